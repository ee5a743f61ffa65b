// The kiosk: attract screen, catalog, cart, checkout, and the order's progress as the saga
// moves it, followed over the order's event stream. The order being followed is kept in
// sessionStorage, so a reload shows its progress again.
import {api, ApiError, el, follow, formatMoney, wireSignIn} from "/lib/shop.js";

const $ = (id) => document.getElementById(id);
const LOW_STOCK = 5;
const STEPS = [
  {label: "Stock reserved", done: "inventory.stock_reserved", undone: "inventory.stock_released"},
  {label: "Payment captured", done: "payment.payment_captured", undone: "payment.payment_refunded"},
  {label: "Shipment created", done: "shipping.shipment_created", undone: "shipping.shipment_cancelled"},
  {label: "Confirmed", done: "status: confirmed"},
];
const EVENT_TEXT = {
  "status: pending": "Order received",
  "inventory.stock_reserved": "Stock reserved",
  "inventory.stock_rejected": "Not enough stock",
  "inventory.stock_released": "Stock given back",
  "inventory.stock_committed": "Stock taken from the shelf",
  "payment.payment_captured": "Payment captured",
  "payment.payment_declined": "Payment declined",
  "payment.payment_refunded": "Payment refunded",
  "shipping.shipment_created": "Shipment created",
  "shipping.shipment_cancelled": "Shipment cancelled",
  "status: confirmed": "Order confirmed",
  "status: cancelled": "Order cancelled",
  deadline: "No answer in time",
};
const REASONS = {
  out_of_stock: "an item is out of stock",
  payment_declined: "the payment was declined",
  customer_cancelled: "it was cancelled",
  timeout: "a step took too long",
};

const state = {
  products: [],
  category: "",
  query: "",
  cart: new Map(),  // sku -> quantity
  settings: {idle_timeout_ms: 90000},
  stream: null,
  idleTimer: 0,
};

function show(screen) {
  for (const section of document.querySelectorAll(".screen")) {
    section.hidden = section.id !== `${screen}-screen`;
  }
  document.querySelector(".bar").hidden = screen === "attract" || screen === "sign-in";
  const heading = $(`${screen}-screen`).querySelector("h1");
  if (heading && screen !== "attract") {
    heading.tabIndex = -1;
    heading.focus();
  }
}

function product(sku) {
  return state.products.find((item) => item.sku === sku);
}

function money(cents, currency) {
  return formatMoney(cents, currency || "EUR");
}

// --- catalog -----------------------------------------------------------------------------

async function loadCatalog() {
  const items = [];
  let cursor = "";
  do {
    const page = await api("GET", `/api/products?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  state.products = items;
  renderCategories();
  renderProducts();
}

function renderCategories() {
  const categories = [...new Set(state.products.map((item) => item.category).filter(Boolean))].sort();
  const button = (label, value) =>
    el("button", {type: "button", "aria-pressed": String(state.category === value),
                  onclick: () => { state.category = value; renderCategories(); renderProducts(); }},
       label);
  $("categories").replaceChildren(button("All", ""), ...categories.map((name) => button(name, name)));
}

function renderProducts() {
  const query = state.query.trim().toLowerCase();
  const shown = state.products.filter((item) =>
    (!state.category || item.category === state.category) &&
    (!query || `${item.name} ${item.description} ${item.sku}`.toLowerCase().includes(query)));
  $("catalog-status").textContent = shown.length ? "" : "No product matches.";
  $("products").replaceChildren(...shown.map((item) => {
    const soldOut = item.available <= 0;
    const badge = soldOut ? el("span", {class: "badge out"}, "Sold out")
      : item.available < LOW_STOCK ? el("span", {class: "badge low"}, `Only ${item.available} left`)
      : null;
    return el("li", {class: "product", "data-testid": "product-card", "data-sku": item.sku},
      item.image ? el("img", {src: item.image, alt: "", loading: "lazy", width: 400, height: 300})
                 : el("div", {class: "no-picture"}),
      el("div", {class: "body"},
        el("h2", {}, item.name),
        el("p", {class: "description"}, item.description),
        badge,
        el("span", {class: "price"}, money(item.price_cents, item.currency)),
        el("button", {type: "button", class: "primary", "data-testid": "add-to-cart",
                      disabled: soldOut, "aria-label": `Add ${item.name} to the cart`,
                      onclick: () => addToCart(item.sku)}, soldOut ? "Sold out" : "Add to cart")));
  }));
}

// --- cart --------------------------------------------------------------------------------

function addToCart(sku, delta = 1) {
  const item = product(sku);
  const quantity = Math.min((state.cart.get(sku) || 0) + delta, item ? item.available : 0);
  if (quantity <= 0) state.cart.delete(sku);
  else state.cart.set(sku, quantity);
  renderCart();
}

function cartTotal() {
  let total = 0;
  for (const [sku, quantity] of state.cart) total += product(sku).price_cents * quantity;
  return total;
}

function renderCart() {
  const count = [...state.cart.values()].reduce((sum, quantity) => sum + quantity, 0);
  document.querySelector('[data-testid="cart-count"]').textContent = String(count);
  const currency = state.products[0] ? state.products[0].currency : "EUR";
  $("cart-lines").replaceChildren(...[...state.cart].map(([sku, quantity]) => {
    const item = product(sku);
    return el("li", {},
      el("span", {}, item.name),
      el("span", {class: "quantity"},
        el("button", {type: "button", "aria-label": `One ${item.name} less`, onclick: () => addToCart(sku, -1)}, "−"),
        el("span", {"aria-label": "quantity"}, String(quantity)),
        el("button", {type: "button", "aria-label": `One ${item.name} more`, disabled: quantity >= item.available,
                      onclick: () => addToCart(sku, 1)}, "+")),
      el("span", {}, money(item.price_cents * quantity, item.currency)));
  }));
  if (!state.cart.size) $("cart-lines").append(el("li", {}, "The cart is empty."));
  $("cart-total").textContent = money(cartTotal(), currency);
  $("checkout").disabled = state.cart.size === 0;
}

// --- checkout ----------------------------------------------------------------------------

const ADDRESS_FIELDS = [
  ["name", "address-name", 200],
  ["line1", "address-line1", 200],
  ["city", "address-city", 100],
  ["postal_code", "address-postal-code", 20],
  ["country", "address-country", 2],
];

// The API's own rules: non-empty, no control characters, at most so long, the country two
// capital letters.
function addressProblem(field, value) {
  if (!value) return "Please fill this in.";
  if (/[\u0000-\u001f\u007f]/.test(value)) return "Please remove the control characters.";
  if (field === "country" && !/^[A-Z]{2}$/.test(value)) return "Two capital letters, such as DE.";
  return "";
}

function showFieldError(id, message) {
  $(id).setAttribute("aria-invalid", message ? "true" : "false");
  $(`${id}-error`).textContent = message;
}

function readAddress() {
  const address = {};
  let firstWrong = null;
  for (const [field, id] of ADDRESS_FIELDS) {
    const input = $(id);
    if (field === "country") input.value = input.value.trim().toUpperCase();
    const value = input.value.trim();
    const problem = addressProblem(field, value);
    showFieldError(id, problem);
    if (problem && !firstWrong) firstWrong = input;
    address[field] = value;
  }
  if (firstWrong) {
    firstWrong.focus();
    return null;
  }
  return address;
}

async function placeOrder(event) {
  event.preventDefault();
  $("checkout-error").textContent = "";
  const address = readAddress();
  if (!address) return;
  const token = document.querySelector('input[name="card"]:checked').value;
  const body = {
    customer_id: "walk-in",
    items: [...state.cart].map(([sku, quantity]) => ({sku, quantity})),
    shipping_address: address,
    payment_token: token,
  };
  try {
    const placed = await api("POST", "/api/orders", body);
    state.cart.clear();
    renderCart();
    followOrder(placed.id);
  } catch (error) {
    if (error instanceof ApiError) {
      for (const [field, id] of ADDRESS_FIELDS) {
        const message = error.fieldError(`shipping_address.${field}`);
        if (message) showFieldError(id, message);
      }
      $("checkout-error").textContent = error.message;
    } else {
      $("checkout-error").textContent = "The shop cannot be reached; please try again.";
    }
  }
}

// --- progress ----------------------------------------------------------------------------

function followOrder(orderId) {
  sessionStorage.setItem("shopd.kiosk.order", orderId);
  if (state.stream) state.stream.close();
  const progress = $("progress");
  progress.dataset.orderId = orderId;
  progress.dataset.status = "pending";
  $("events").replaceChildren();
  $("outcome").textContent = "Working on it…";
  $("outcome").className = "outcome";
  $("receipt").hidden = true;
  const seen = new Set();
  renderSteps(seen);
  show("progress");
  state.stream = follow(`/api/orders/${encodeURIComponent(orderId)}/stream`, {
    timeline: (entry) => {
      seen.add(entry.event);
      $("events").append(el("li", {}, eventText(entry)));
      renderSteps(seen);
    },
    order: (order) => showOrder(order, seen),
  });
  state.stream.onerror = () => {
    if (state.stream && state.stream.readyState === EventSource.CLOSED) {
      $("outcome").textContent = "The order's progress cannot be followed; it goes on in the shop.";
    }
  };
}

// A timeline entry as a shopper reads it: amounts ("890 EUR", in cents) as money, a
// cancellation's reason in words, the tracking number as it is.
function eventText(entry) {
  const text = EVENT_TEXT[entry.event] || entry.event;
  const amount = /^(\d+) ([A-Z]{3})$/.exec(entry.detail || "");
  if (amount) return `${text}: ${money(Number(amount[1]), amount[2])}`;
  if (entry.event === "status: cancelled") return `${text}: ${REASONS[entry.detail] || entry.detail}`;
  return entry.detail ? `${text} (${entry.detail.replaceAll("_", " ")})` : text;
}

function renderSteps(seen) {
  $("steps").replaceChildren(...STEPS.map((step) => {
    const undone = step.undone && seen.has(step.undone);
    return el("li", {class: undone ? "undone" : seen.has(step.done) ? "done" : ""}, step.label);
  }));
}

function showOrder(order, seen) {
  const progress = $("progress");
  progress.dataset.status = order.status;
  if (order.status === "cancelled") {
    $("outcome").textContent = `Cancelled: ${REASONS[order.cancel_reason] || order.cancel_reason}.`;
    $("outcome").className = "outcome cancelled";
    finish();
  } else if (order.status !== "pending") {
    $("outcome").textContent = "Confirmed. Thank you!";
    $("outcome").className = "outcome confirmed";
    showReceipt(order);
    finish();
  }
  renderSteps(seen);
}

function showReceipt(order) {
  const row = (term, value) => [el("dt", {}, term), el("dd", {}, value)];
  $("receipt-details").replaceChildren(
    ...row("Order", order.id),
    ...row("Total", money(order.total_cents, order.currency)),
    ...row("Tracking number", order.tracking_number || "—"));
  $("receipt").hidden = false;
}

function finish() {
  sessionStorage.removeItem("shopd.kiosk.order");
}

function startOver() {
  if (state.stream) state.stream.close();
  state.stream = null;
  finish();
  state.cart.clear();
  state.category = "";
  state.query = "";
  $("search").value = "";
  $("checkout-form").reset();
  for (const [, id] of ADDRESS_FIELDS) showFieldError(id, "");
  renderCart();
  show("attract");
}

// --- idle --------------------------------------------------------------------------------

function touched() {
  clearTimeout(state.idleTimer);
  state.idleTimer = setTimeout(() => {
    if (!$("attract-screen").hidden || !$("sign-in-screen").hidden) return;
    startOver();
  }, state.settings.idle_timeout_ms);
}

// --- start -------------------------------------------------------------------------------

async function start() {
  try {
    state.settings = await api("GET", "/api/kiosk/settings");
  } catch {
    // The defaults above serve.
  }
  // A shop that needs credentials answers an unknown caller as anyone, and may still show it
  // the catalog: the kiosk signs in before it sells.
  const session = await api("GET", "/api/session");
  if (session.role === "anyone") {
    show("sign-in");
    return;
  }
  await loadCatalog();
  renderCart();
  const following = sessionStorage.getItem("shopd.kiosk.order");
  if (following) followOrder(following);
  else show("attract");
}

function wire() {
  $("start").addEventListener("click", () => show("catalog"));
  $("home").addEventListener("click", () => show("catalog"));
  $("open-cart").addEventListener("click", () => show("cart"));
  $("back-to-catalog").addEventListener("click", () => show("catalog"));
  $("checkout").addEventListener("click", () => show("checkout"));
  $("back-to-cart").addEventListener("click", () => show("cart"));
  $("checkout-form").addEventListener("submit", placeOrder);
  $("done").addEventListener("click", startOver);
  $("search").addEventListener("input", (event) => { state.query = event.target.value; renderProducts(); });
  wireSignIn(start);
  for (const name of ["pointerdown", "keydown", "input"]) {
    document.addEventListener(name, touched, {capture: true, passive: true});
  }
  touched();
}

wire();
start();
