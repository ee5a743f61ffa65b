// The operator's console: orders by filter, one order's live timeline with its failed
// deliveries and the saga's steps still to come, the module graph with each outbox's backlog,
// dead letters to replay, low stock to restock and the analytics figures. Tables are read
// again every few seconds; the selected order follows its event stream.
import {api, ApiError, el, follow, formatMoney, wireSignIn} from "/lib/shop.js";

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
const state = {saga: null, selected: null, stream: null, cursor: null, pages: 1, order: null, timer: 0};

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

function cell(...children) {
  return el("td", {}, ...children);
}

// --- orders ------------------------------------------------------------------------------

const PAGE_SIZE = 50;

function filters() {
  const form = new FormData($("filters"));
  const fields = {};
  for (const name of ["status", "reason", "customer_id"]) {
    const value = String(form.get(name) || "").trim();
    if (value) fields[name] = value;
  }
  return {fields, stuck: Boolean(form.get("stuck"))};
}

function ordersQuery({fields, stuck}, cursor) {
  const query = new URLSearchParams({limit: String(PAGE_SIZE), ...fields});
  if (stuck) query.set("stuck", "true");
  if (cursor) query.set("cursor", cursor);
  return `/api/orders?${query}`;
}

// An order is stuck too while one of its messages is being retried: the platform knows that,
// not the order module, so those orders are read one by one and filtered here.
async function ordersRetrying(fields, shown) {
  const {items} = await api("GET", "/api/admin/deliveries?state=retrying&limit=200");
  const ids = [...new Set(items.map((delivery) => delivery.correlation_id))]
    .filter((id) => id && !shown.has(id)).slice(0, PAGE_SIZE);
  const orders = await Promise.all(ids.map((id) =>
    api("GET", `/api/orders/${encodeURIComponent(id)}`).catch(() => null)));
  return orders.filter((order) => order &&
    (!fields.status || order.status === fields.status) &&
    (!fields.reason || order.cancel_reason === fields.reason) &&
    (!fields.customer_id || order.customer_id === fields.customer_id));
}

function orderRow(order) {
  const selected = order.id === state.selected;
  return el("tr", {"data-testid": "order-row", "data-order-id": order.id, class: selected ? "selected" : undefined},
    cell(el("button", {type: "button", class: "link", "aria-label": `Order ${order.id}`,
                       onclick: () => select(order.id)}, order.id.slice(-12))),
    el("td", {class: `status-${order.status}`}, order.status + (order.cancel_reason ? ` (${order.cancel_reason})` : "")),
    cell(order.step), cell(order.customer_id), cell(formatMoney(order.total_cents, order.currency)),
    cell(when(order.updated_at)));
}

async function loadOrders({append = false} = {}) {
  const wanted = filters();
  const page = await api("GET", ordersQuery(wanted, append ? state.cursor : null));
  if (!append && wanted.stuck) {
    const retrying = await ordersRetrying(wanted.fields, new Set(page.items.map((order) => order.id)));
    page.items = [...retrying, ...page.items].sort((a, b) => b.created_at.localeCompare(a.created_at));
  }
  const rows = page.items.map(orderRow);
  if (append) {
    $("order-rows").append(...rows);
    state.pages += 1;
  } else {
    $("order-rows").replaceChildren(...rows);
    state.pages = 1;
  }
  state.cursor = page.next_cursor;
  $("more-orders").hidden = !page.next_cursor;
}

// --- one order ---------------------------------------------------------------------------

async function select(orderId) {
  state.selected = orderId;
  for (const row of document.querySelectorAll('[data-testid="order-row"]')) {
    row.classList.toggle("selected", row.dataset.orderId === orderId);
  }
  if (state.stream) state.stream.close();
  $("detail").hidden = false;
  $("detail-title").textContent = `Order ${orderId}`;
  $("timeline").replaceChildren();
  $("detail-error").textContent = "";
  state.order = await api("GET", `/api/orders/${encodeURIComponent(orderId)}`);
  showOrder(state.order);
  state.stream = follow(`/api/orders/${encodeURIComponent(orderId)}/stream`, {
    timeline: (entry) => $("timeline").append(el("li", {"data-testid": "timeline-entry"},
      el("time", {datetime: entry.at}, when(entry.at)), " ", entry.event,
      entry.detail ? ` — ${entry.detail}` : "", entry.actor ? ` (${entry.actor})` : "")),
    order: (order) => {
      state.order = {...state.order, ...order};
      showOrder(state.order);
      // The list shows the same order: it follows at once rather than at the next reading.
      document.querySelector(`[data-testid="order-row"][data-order-id="${CSS.escape(orderId)}"]`)
        ?.replaceWith(orderRow(state.order));
      loadDeliveries();
    },
  });
  loadDeliveries();
}

function showOrder(order) {
  $("detail-summary").textContent =
    `${order.status}${order.cancel_reason ? ` (${order.cancel_reason})` : ""}, step ${order.step}` +
    `${order.step_deadline ? `, due ${when(order.step_deadline)}` : ""}; ` +
    `${formatMoney(order.total_cents, order.currency)}; tracking ${order.tracking_number || "—"}`;
  $("dispatch").disabled = !(order.shipment_id && order.status === "confirmed");
  $("deliver").disabled = !(order.shipment_id && order.status === "shipped");
  $("cancel").disabled = order.status === "cancelled" || order.status === "delivered";
  const steps = state.saga ? state.saga.steps : [];
  const at = steps.findIndex((step) => step.step === order.step);
  const remaining = order.status === "pending" && at >= 0 ? steps.slice(at) : [];
  $("remaining").replaceChildren(...(remaining.length ? remaining.map((step) =>
    el("li", {}, `${step.step}: asks ${step.asks}, done on ${step.succeeds_on}`,
       el("small", {}, ` (deadline ${step.deadline_ms / 1000} s; undone by ${step.undone_by || "nothing"})`)))
    : [el("li", {}, "none: the saga has settled")]));
}

async function loadDeliveries() {
  if (!state.selected) return;
  const {items} = await api("GET", `/api/admin/deliveries?correlation_id=${encodeURIComponent(state.selected)}`);
  $("deliveries").replaceChildren(...(items.length ? items.map((delivery) => el("tr", {},
    cell(delivery.type), cell(delivery.subscriber), cell(delivery.state), cell(String(delivery.attempts)),
    cell(delivery.last_error || "—"), cell(when(delivery.next_attempt_at))))
    : [el("tr", {}, el("td", {colspan: 6}, "none"))]));
}

async function act(path) {
  $("detail-error").textContent = "";
  try {
    await api("POST", path);
  } catch (error) {
    $("detail-error").textContent = error.message;
  }
}

// --- modules, dead letters, stock, figures -----------------------------------------------

async function loadModules() {
  const [{modules}, {items: backlog}] = await Promise.all([api("GET", "/api/admin/modules"), api("GET", "/api/admin/outbox")]);
  const waiting = new Map(backlog.map((entry) => [entry.module, entry]));
  $("module-graph").replaceChildren(...modules.map((module) => {
    const outbox = waiting.get(module.name) || {pending: 0, parked: 0, oldest_waiting_seconds: 0};
    return el("article", {class: "module", "aria-label": `Module ${module.name}`},
      el("h3", {}, module.name),
      el("p", {class: `backlog${outbox.parked ? " parked" : ""}`}, `outbox: ${outbox.pending} waiting` +
        `${outbox.pending ? ` (oldest ${outbox.oldest_waiting_seconds.toFixed(1)} s)` : ""}, ${outbox.parked} parked`),
      el("ul", {}, ...module.subscribes.map((entry) => el("li", {}, `${entry.type} ← ${entry.published_by.join(", ") || "elsewhere"}`))));
  }));
  return modules.some((module) => module.name === "analytics");
}

async function loadDeadLetters() {
  const {items} = await api("GET", "/api/admin/dead-letters");
  $("dead-letters").replaceChildren(...items.map((letter) => el("tr", {"data-testid": "dead-letter-row", "data-id": letter.id},
    cell(letter.type), cell(`${letter.publisher} → ${letter.subscriber}`), cell(letter.correlation_id),
    cell(String(letter.attempts)), cell(letter.error),
    cell(el("button", {type: "button", "data-testid": "replay", "aria-label": `Replay ${letter.type} to ${letter.subscriber}`,
                       onclick: () => replay(letter.id)}, "Replay")))));
  const types = [...new Set(items.map((letter) => letter.type))];
  $("replay-types").replaceChildren(...types.map((type) => el("button", {type: "button", "data-testid": "replay-type",
    onclick: () => replayType(type)}, `Replay every ${type}, 10 a second`)));
  $("dead-status").textContent = items.length ? "" : "No dead letters.";
}

async function replay(id) {
  await api("POST", `/api/admin/dead-letters/${encodeURIComponent(id)}/replay`);
  $("dead-status").textContent = `Replaying ${id}.`;
  await Promise.all([loadDeadLetters(), loadModules()]);
}

async function replayType(type) {
  const answer = await api("POST", "/api/admin/dead-letters/replay", {type, max_per_second: 10});
  $("dead-status").textContent = `Replaying ${answer.replaying} of ${type}.`;
}

async function loadLowStock() {
  const {items} = await api("GET", "/api/products?low_stock=true&active=any&limit=200");
  $("low-stock").replaceChildren(...items.map((product) => {
    const amount = el("input", {type: "number", min: 1, value: 10, "aria-label": `Units of ${product.name} to add`, size: 5});
    return el("tr", {"data-testid": "low-stock-row", "data-sku": product.sku},
      cell(`${product.name} (${product.sku})`), cell(String(product.available)),
      cell(amount, " ", el("button", {type: "button", onclick: async () => {
        await api("POST", `/api/products/${encodeURIComponent(product.sku)}/stock`, {delta: Number(amount.value)});
        await loadLowStock();
      }}, "Restock")));
  }));
}

async function loadCounters() {
  const summary = await api("GET", "/api/analytics/summary");
  const cancelled = Object.values(summary.orders_cancelled).reduce((sum, count) => sum + count, 0);
  const figure = (term, value) => el("div", {}, el("dt", {}, term), el("dd", {}, String(value)));
  $("counters").replaceChildren(figure("placed", summary.orders_placed), figure("confirmed", summary.orders_confirmed),
    figure("delivered", summary.orders_delivered), figure("cancelled", cancelled),
    ...summary.revenue.map((revenue) => figure("captured", formatMoney(revenue.captured_cents, revenue.currency))));
}

// --- the bus, live -----------------------------------------------------------------------

const SHOWN_MESSAGES = 100;
const arrived = [];
let drawing = false;

// Messages may come hundreds a second: they are drawn once a frame, the newest 100 kept.
function followMessages() {
  const source = follow("/api/admin/stream", {
    message: (message, event) => {
      arrived.push([event.lastEventId, message]);
      if (arrived.length > SHOWN_MESSAGES) arrived.splice(0, arrived.length - SHOWN_MESSAGES);
      if (!drawing) {
        drawing = true;
        requestAnimationFrame(drawMessages);
      }
    },
    gap: () => { $("messages-status").textContent = "Some messages were missed while disconnected."; },
  });
  source.onopen = () => { $("messages-status").textContent = ""; };
}

function drawMessages() {
  drawing = false;
  const rows = arrived.splice(0).reverse().map(([id, message]) => el("tr", {},
    cell(id), cell(message.type), cell(message.publisher), cell(message.correlation_id.slice(-12)),
    cell(when(message.occurred_at))));
  const table = $("messages");
  table.prepend(...rows);
  while (table.children.length > SHOWN_MESSAGES) table.lastElementChild.remove();
}

// --- start -------------------------------------------------------------------------------

async function refresh(withAnalytics) {
  const work = [loadModules(), loadDeadLetters(), loadLowStock()];
  if (state.pages === 1) work.push(loadOrders());
  if (withAnalytics) work.push(loadCounters());
  if (state.selected) work.push(loadDeliveries());
  await Promise.allSettled(work);
}

async function start() {
  try {
    state.saga = await api("GET", "/api/admin/sagas/definition");
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      $("sign-in").hidden = false;
      $("console").hidden = true;
      if (error.status === 403) $("sign-in-error").textContent = "This key's role may not use the console.";
      return;
    }
    throw error;
  }
  $("sign-in").hidden = true;
  $("console").hidden = false;
  const withAnalytics = await loadModules();
  followMessages();
  await refresh(withAnalytics);
  clearInterval(state.timer);
  state.timer = setInterval(() => refresh(withAnalytics), REFRESH_MS);
}

$("filters").addEventListener("input", () => loadOrders());
$("filters").addEventListener("submit", (event) => event.preventDefault());
$("more-orders").addEventListener("click", () => loadOrders({append: true}));
$("dispatch").addEventListener("click", () => act(`/api/shipments/${state.order.shipment_id}/dispatch`));
$("deliver").addEventListener("click", () => act(`/api/shipments/${state.order.shipment_id}/deliver`));
$("cancel").addEventListener("click", () => act(`/api/orders/${state.selected}/cancel`));
wireSignIn(start);
start();
