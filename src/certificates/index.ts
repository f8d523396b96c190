import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

/** Mounted before authentication: its public routes need no token (http/public.ts names them). */
export const certificatesPublicRouter = createRouter()
  .openapi(routes.getCertificate, handlers.getCertificate)
  .openapi(routes.getBadge, handlers.getBadge)
  .openapi(routes.getStatusList, handlers.getStatusList)
  .openapi(routes.getDidDocument, handlers.getDidDocument)
  .openapi(routes.getDidDocumentAtBase, handlers.getDidDocument)
  .openapi(routes.getJwks, handlers.getJwks);

export const certificatesRouter = createRouter()
  .openapi(routes.listMyCertificates, handlers.listMyCertificates)
  .openapi(routes.listParticipantCertificates, handlers.listParticipantCertificates)
  .openapi(routes.revokeCertificate, handlers.revokeCertificate);
