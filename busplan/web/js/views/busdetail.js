// One bus of one day: its trips on a map (Leaflet) and in a table. When map tiles cannot be
// loaded, routes and stops are still drawn, on a plain background.

import { h } from "../dom.js";
import { formatClock, formatMinutes, formatShift } from "../format.js";
import { t } from "../i18n.js";
import { tripPoints } from "./plan.js";

const COLOURS = { entry: "#1b5fae", exit: "#b14a0b", other: "#5b3c88", deadhead: "#5c6670" };
const kindWords = (kind) => (kind === "entry" || kind === "exit" ? t(`kind.${kind}`) : "");

export function renderBusDetail(bus, { dayLabel }) {
  const mapBox = h("div", {
    class: "map",
    "data-testid": "bus-map",
    role: "img",
    "aria-label": t("bus.map_label", { bus: bus.id }),
  });
  const note = h("p", { class: "map-note muted", "aria-live": "polite" });
  const drive = bus.legs.reduce((sum, leg) => sum + leg.deadhead, 0);
  const first = bus.legs[0];
  const last = bus.legs[bus.legs.length - 1];
  const section = h(
    "section",
    { class: "panel bus-detail", "aria-labelledby": "bus-title", "data-testid": "bus-detail" },
    h("h2", { id: "bus-title", tabindex: "-1" }, t("bus.title", { bus: bus.id, day: dayLabel })),
    h(
      "p",
      { class: "muted" },
      [
        t("count.trips", { count: bus.legs.length }),
        first ? t("time.range", { from: formatClock(first.start), to: formatClock(last.end) }) : "",
        t("bus.empty_driving", { time: formatMinutes(drive) }),
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    h("div", { class: "bus-grid" }, h("div", { class: "map-wrap" }, mapBox, note), tripTable(bus)),
  );
  let map = null;
  return {
    element: section,
    /** Call once the section is in the page: Leaflet measures its container. */
    mount() {
      map = drawMap(mapBox, note, bus);
    },
    remove() {
      if (map) map.remove();
    },
  };
}

function tripTable(bus) {
  const rows = bus.legs.map((leg, n) => {
    const trip = leg.trip || {};
    return h(
      "tr",
      { class: leg.tight ? "tight" : "" },
      h("td", { class: "num" }, n + 1),
      h("th", { scope: "row" }, leg.id),
      h(
        "td",
        {},
        h("span", { class: `kind ${trip.kind || ""}` }, kindWords(trip.kind)),
      ),
      h("td", {}, trip.school ? trip.school.name || trip.school.id : ""),
      h("td", { class: "num" }, formatClock(leg.start)),
      h("td", { class: "num" }, formatClock(leg.end)),
      h("td", { class: "num" }, leg.shift ? h("strong", {}, formatShift(leg.shift)) : "—"),
      h("td", { class: "num" }, n ? formatMinutes(leg.deadhead) : "—"),
      h(
        "td",
        { class: "num" },
        leg.spare === null ? "—" : formatMinutes(leg.spare),
        leg.tight ? h("span", { class: "badge badge-bad" }, ` ${t("bus.tight")}`) : null,
      ),
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data", "data-testid": "bus-trips" },
      h("caption", { class: "visually-hidden" }, t("bus.caption", { bus: bus.id })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["n", "trip", "direction", "school", "start", "end", "moved", "empty", "spare"].map(
            (k) => h("th", { scope: "col" }, t(`bus.col_${k}`)),
          ),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function meta(name) {
  const node = document.querySelector(`meta[name="${name}"]`);
  return node ? node.content : "";
}

function drawMap(box, note, bus) {
  const L = window.L;
  if (!L) {
    box.classList.add("plain");
    note.textContent = t("map.no_map");
    return null;
  }
  const map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  const tiles = meta("busplan-tiles");
  if (tiles) {
    const layer = L.tileLayer(tiles, {
      maxZoom: 18,
      attribution: meta("busplan-tiles-attribution"),
    });
    // One failed tile means no tile server: stop asking, keep drawing on a plain background.
    layer.once("tileerror", () => {
      map.removeLayer(layer);
      box.classList.add("plain");
      note.textContent = t("map.no_tiles");
    });
    layer.addTo(map);
  } else {
    box.classList.add("plain");
  }
  const bounds = [];
  let previousEnd = null;
  bus.legs.forEach((leg, n) => {
    const points = tripPoints(leg.trip);
    if (!points.length) return;
    const colour = COLOURS[leg.trip?.kind] || COLOURS.other;
    const line = points.map((p) => [p.lat, p.lon]);
    bounds.push(...line);
    if (previousEnd) {
      L.polyline([previousEnd, line[0]], {
        color: COLOURS.deadhead,
        weight: 3,
        dashArray: "6 6",
        opacity: 0.9,
      })
        .bindTooltip(t("map.empty_to", { trip: leg.id, time: formatMinutes(leg.deadhead) }))
        .addTo(map);
    }
    L.polyline(line, { color: colour, weight: 5, opacity: 0.85 })
      .bindTooltip(
        `${n + 1}. ${leg.id} (${kindWords(leg.trip?.kind)}) ${formatClock(leg.start)}–${formatClock(leg.end)}`,
      )
      .addTo(map);
    points.forEach((p, k) => {
      const school = leg.trip?.kind === "exit" ? k === 0 : k === points.length - 1;
      L.circleMarker([p.lat, p.lon], {
        radius: school ? 7 : 4,
        color: colour,
        weight: 2,
        fillColor: school ? colour : "#ffffff",
        fillOpacity: 1,
      })
        .bindTooltip(
          `${p.name || t("map.stop")}${school ? ` (${t("map.school")})` : ""} · ${leg.id}`,
        )
        .addTo(map);
    });
    // The trip's number in the table, at its first stop: where the bus goes next.
    L.marker(line[0], {
      icon: L.divIcon({ className: "trip-number", html: String(n + 1), iconSize: [20, 20] }),
      keyboard: false,
      interactive: false,
    }).addTo(map);
    previousEnd = line[line.length - 1];
  });
  if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  else {
    map.setView([0, 0], 1);
    note.textContent = t("map.no_points");
  }
  return map;
}
