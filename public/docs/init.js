// Starts Swagger UI on /docs from files this Worker serves itself (no CDN): the page works offline and its
// Content-Security-Policy allows only this origin.
window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true, deepLinking: true });
});
