import { inject } from 'vitest';
import { createStore, type Store } from '../../functions/store/table';
import { newId } from '../../functions/shared/ids';

/** The store on the run's DynamoDB Local. */
export const testStore = (): Store => createStore({ endpoint: inject('dynamoEndpoint'), tableName: inject('tableName') });

/** Each test works in its own practice: tenants are walls, so tests cannot see each other. */
export const newPracticeId = (): string => newId('prac');
