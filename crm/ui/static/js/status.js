// Which status moves each role may make: the API's rules (crm/rules.py), for buttons and menus.

export const STATUSES = ["new", "in_progress", "done", "canceled"];

const WORKER_MOVES = { new: ["in_progress"], in_progress: ["done"] };
const ADMIN_MOVES = {
  new: ["in_progress", "canceled"],
  in_progress: ["done", "canceled"],
  done: ["in_progress"],
  canceled: ["new"],
};

/** The statuses `role` may move a ticket in `status` to. */
export function movesFor(role, status) {
  return (role === "admin" ? ADMIN_MOVES : WORKER_MOVES)[status] || [];
}

/** A worker's one next step, or null when there is none. */
export const nextFor = (status) => (WORKER_MOVES[status] || [])[0] || null;
