// The shop's API as the pages call it: JSON in and out, problems as errors, and event streams
// that resume where they stopped. Shared by /kiosk and /console.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  // The API's complaint about one request field, e.g. "shipping_address.city".
  fieldError(name) {
    const errors = this.problem.errors || [];
    const found = errors.find((error) => error.field === name);
    return found ? found.message : undefined;
  }
}

// A change made with the session cookie carries X-Shopd-Request, which another site's form
// cannot send.
export async function api(method, path, body) {
  const headers = {"X-Shopd-Request": "1", Accept: "application/json"};
  const init = {method, headers, credentials: "same-origin"};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : {};
  if (!response.ok) {
    throw new ApiError(response.status, parsed);
  }
  return parsed;
}

// Signs the page in with an API key: the session cookie carries it from then on.
export async function signIn(key) {
  const response = await fetch("/api/session", {
    method: "POST",
    credentials: "same-origin",
    headers: {Authorization: `Bearer ${key}`, Accept: "application/json"},
  });
  const parsed = await response.json();
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

// Wires the page's sign-in form (#sign-in-form with #sign-in-key and #sign-in-error): once the
// key is taken, `signedIn` runs; a refusal is shown under the field.
export function wireSignIn(signedIn) {
  const key = document.getElementById("sign-in-key");
  const problem = document.getElementById("sign-in-error");
  document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signIn(key.value);
      key.value = "";
      problem.textContent = "";
      await signedIn();
    } catch (error) {
      problem.textContent = error instanceof ApiError ? error.message : "The shop cannot be reached.";
    }
  });
}

// Follows an event stream; the browser reconnects by itself and sends Last-Event-ID, so the
// server sends only what was missed. `handlers` maps event names to functions of the data.
export function follow(path, handlers) {
  const source = new EventSource(path, {withCredentials: true});
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handler(JSON.parse(event.data), event));
  }
  return source;
}

export function formatMoney(cents, currency, locale = navigator.language) {
  return new Intl.NumberFormat(locale, {style: "currency", currency}).format(cents / 100);
}

// Builds an element: el("button", {class: "big", onclick: f}, "Text", child, ...).
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null));
  return element;
}
