import { changePackage, createPackage, listPackages, publicPackage } from './core/packages';
import { MethodNotAllowed } from './shared/errors';
import { authorizedPractice, header, httpHandler, json, jsonBody, pathParam, type ApiEvent } from './shared/http';
import { getStore } from './store/client';
import { getPackage } from './store/catalog';
import { getStripe } from './stripe/client';

/** Practice routes for session packages: create, list, read, change price / name, deactivate. */
export const packagesCore = async (event: ApiEvent) => {
  const practiceId = authorizedPractice(event);
  const store = getStore();
  const method = event.requestContext.http.method;
  const packageId = event.pathParameters?.packageId;
  if (!packageId) {
    if (method === 'GET') return json(200, { items: (await listPackages(store, practiceId)).map(publicPackage), nextCursor: null });
    const { created, pkg } = await createPackage({ store, stripe: await getStripe() }, practiceId, jsonBody(event), header(event, 'idempotency-key'));
    return json(created ? 201 : 200, publicPackage(pkg));
  }
  const id = pathParam(event, 'packageId');
  if (method === 'GET') return json(200, publicPackage(await getPackage(store, practiceId, id)));
  if (method === 'PATCH') return json(200, publicPackage(await changePackage({ store, stripe: await getStripe() }, practiceId, id, jsonBody(event))));
  if (method === 'DELETE') return json(200, publicPackage(await changePackage({ store, stripe: await getStripe() }, practiceId, id, { active: false })));
  throw new MethodNotAllowed(method);
};

export const handler = httpHandler('packages', packagesCore);
