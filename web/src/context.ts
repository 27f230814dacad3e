/** What every page needs about the signed-in practice (its profile, read once per sign-in). */
import { ApiError, practicePath, request } from './api';
import type { Client, Practice } from './types';

let practice: Practice | undefined;
let loaded = false;

export const loadPractice = async (): Promise<Practice | undefined> => {
  try {
    practice = await request<Practice>('GET', practicePath());
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
    practice = undefined;
  }
  loaded = true;
  return practice;
};

export const currentPractice = () => practice;
export const practiceLoaded = () => loaded;
export const setPractice = (next: Practice | undefined) => {
  practice = next;
};
/** On sign-out and sign-in: nothing of one practice stays for the next. */
export const resetPractice = () => {
  practice = undefined;
  loaded = false;
  knownClients.clear();
};
/** The practice's currency (lower-case ISO), usd until a profile says otherwise. */
export const currency = () => practice?.currency ?? 'usd';

/** Clients seen in searches this session (their names head their pages and label receipts). */
export const knownClients = new Map<string, Client>();
