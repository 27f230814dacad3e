import { changePackage, createPackage, listPackages, publicPackage } from './core/packages';
import { authorizedPractice, dispatchRoutes, header, httpHandler, json, jsonBody, pathParam, type RouteHandler } from './shared/http';
import { getStore } from './store/table';
import { getPackage } from './store/catalog';
import { getStripe } from './stripe/client';

/** Practice routes for session packages: create, list, read, change price / name, deactivate; lib/wiring.ts names each route's handler. */
export const routeHandlers = {
  createPackage: async (event) => {
    const practiceId = authorizedPractice(event);
    const { created, pkg } = await createPackage({ store: getStore(), stripe: await getStripe() }, practiceId, jsonBody(event), header(event, 'idempotency-key'));
    return json(created ? 201 : 200, publicPackage(pkg));
  },
  listPackages: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, { items: (await listPackages(getStore(), practiceId)).map(publicPackage), nextCursor: null });
  },
  getPackage: async (event) => {
    const practiceId = authorizedPractice(event);
    return json(200, publicPackage(await getPackage(getStore(), practiceId, pathParam(event, 'packageId'))));
  },
  changePackage: async (event) => {
    const practiceId = authorizedPractice(event);
    const id = pathParam(event, 'packageId');
    return json(200, publicPackage(await changePackage({ store: getStore(), stripe: await getStripe() }, practiceId, id, jsonBody(event))));
  },
  deactivatePackage: async (event) => {
    const practiceId = authorizedPractice(event);
    const id = pathParam(event, 'packageId');
    return json(200, publicPackage(await changePackage({ store: getStore(), stripe: await getStripe() }, practiceId, id, { active: false })));
  },
} satisfies Record<string, RouteHandler>;

export const servePackages = dispatchRoutes('packages', routeHandlers);

export const handler = httpHandler('packages', servePackages);
