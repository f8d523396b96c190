import { createRouter } from "../lib/openapi";
import * as handlers from "./handlers";
import * as routes from "./routes";

export const questionBanksRouter = createRouter()
  .openapi(routes.createBank, handlers.createBank)
  .openapi(routes.listBanks, handlers.listBanks)
  .openapi(routes.getBank, handlers.getBank)
  .openapi(routes.updateBank, handlers.updateBank)
  .openapi(routes.deleteBank, handlers.deleteBank)
  .openapi(routes.createQuestion, handlers.createQuestion)
  .openapi(routes.listQuestions, handlers.listQuestions)
  .openapi(routes.getQuestion, handlers.getQuestion)
  .openapi(routes.updateQuestion, handlers.updateQuestion)
  .openapi(routes.deleteQuestion, handlers.deleteQuestion)
  .openapi(routes.importQuestions, handlers.importQuestions)
  .openapi(routes.exportQuestions, handlers.exportQuestions);
