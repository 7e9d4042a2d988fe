// The API client: JSON in and out, the session cookie, the CSRF header on
// every request that changes something, errors as ApiError.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let unauthorized = () => {};

// Called when a request finds the session gone (401 "unauthorized").
export function onUnauthorized(fn) {
  unauthorized = fn;
}

function cookie(name) {
  for (const part of document.cookie.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

// Whether this browser holds a session's cookies (sv_csrf is readable;
// sv_session, HttpOnly, comes and goes with it). Without them there is no
// need to ask the server who is logged in.
export function hasSession() {
  return cookie('sv_csrf') !== null;
}

// '?a=1&b=2' of the entries whose value is neither empty nor null.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-cache' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET') {
    const csrf = cookie('sv_csrf');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', `The server cannot be reached (${err.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = data?.error;
    const err = new ApiError(res.status, e?.code ?? `http_${res.status}`,
                             e?.message ?? `${res.status} ${res.statusText}`);
    if (res.status === 401 && err.code === 'unauthorized') unauthorized();
    throw err;
  }
  return data;
}

export const get = (path, params) => request('GET', path + query(params));
export const post = (path, body = {}) => request('POST', path, body);
export const patch = (path, body) => request('PATCH', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);
