// Shows /openapi.json; "Try it out" calls the shop this page came from (the document's server
// is "/").
if (typeof SwaggerUIBundle === "function") {
  SwaggerUIBundle({url: "/openapi.json", dom_id: "#api", deepLinking: true});
} else {
  document.getElementById("api").textContent =
    "The API viewer was not built into this shopd (npm's swagger-ui-dist was missing at build " +
    "time); the API description is at /openapi.json.";
}
