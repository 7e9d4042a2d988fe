// The one server event stream of the whole app (GET /api/events, SSE).
// Pages subscribe by event type; "reset" tells them to refetch what they
// show (the server could not replay what was missed). EventSource
// reconnects by itself with Last-Event-ID when a stream ends; when the
// server refuses the stream (it closes the source) it is opened again
// after a growing pause.

const handlers = new Map();
const stateHandlers = new Set();
let source = null;
let retryTimer = null;
let retryDelay = 1000;
let state = 'closed';
let missed = false;

// on('streamer', fn): fn(event) for each event of that type; '*' for all.
// Returns the function that unsubscribes.
export function on(type, fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type).add(fn);
  return () => handlers.get(type).delete(fn);
}

// onState(fn): fn('connecting' | 'open' | 'closed') now and on changes.
export function onState(fn) {
  stateHandlers.add(fn);
  fn(state);
  return () => stateHandlers.delete(fn);
}

function setState(s) {
  if (s === state) return;
  state = s;
  for (const fn of stateHandlers) fn(s);
}

function dispatch(event) {
  for (const type of [event.type, '*']) {
    for (const fn of handlers.get(type) ?? []) {
      try {
        fn(event);
      } catch (err) {
        console.warn('event handler failed', err);
      }
    }
  }
}

export function connect() {
  if (source || retryTimer) return;
  setState('connecting');
  source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    retryDelay = 1000;
    setState('open');
    if (missed) {
      missed = false;
      dispatch({ type: 'reset' });
    }
  });
  source.addEventListener('message', (e) => {
    let event;
    try {
      event = JSON.parse(e.data);
    } catch {
      return;
    }
    if (event && typeof event.type === 'string') dispatch(event);
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CONNECTING) {
      setState('connecting');
      return;
    }
    // closed for good by the browser (an error status): try again later;
    // what happened meanwhile is refetched once a stream opens
    source.close();
    source = null;
    missed = true;
    setState('closed');
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  });
}

export function disconnect() {
  clearTimeout(retryTimer);
  retryTimer = null;
  source?.close();
  source = null;
  missed = false;
  setState('closed');
}
