// /ui/tickets: admins get the whole queue; workers get their visits and one button a ticket.

import { startPage } from "../layout.js";

const me = await startPage({ staff: true, active: "tickets" });
const view = me.role === "admin" ? await import("../tickets-admin.js") : await import("../tickets-worker.js");
await view.show(document.getElementById("view"), me);
