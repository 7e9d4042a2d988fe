// Who is logged in ({id, username, role}), or null.

let current = null;

export function user() {
  return current;
}

export function setUser(u) {
  current = u;
}

export function isAdmin() {
  return current?.role === 'admin';
}
