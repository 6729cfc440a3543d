// A second, independent iCalendar parser for the tests: Mozilla's ical.js (npm devDependency).
// Reads one .ics from stdin and prints JSON: the calendar's properties and each VEVENT with its
// times converted to UTC through the VTIMEZONE in the file (never the machine's zone).
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const text = Buffer.concat(chunks).toString("utf8");

const calendar = new ICAL.Component(ICAL.parse(text));
const zones = [];
for (const component of calendar.getAllSubcomponents("vtimezone")) {
  const zone = new ICAL.Timezone(component);
  ICAL.TimezoneService.register(zone, zone.tzid);
  zones.push(zone.tzid);
}

function utc(time) {
  return new Date(time.toUnixTime() * 1000).toISOString();
}

function value(component, name) {
  const found = component.getFirstPropertyValue(name);
  return found === null || found === undefined ? null : found.toString();
}

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    summary: event.summary,
    start: utc(event.startDate),
    end: utc(event.endDate),
    start_zone: event.startDate.zone ? event.startDate.zone.tzid : null,
    end_zone: event.endDate.zone ? event.endDate.zone.tzid : null,
    status: value(component, "status"),
    sequence: event.sequence,
    location: event.location,
    description: event.description,
    categories: component.getAllProperties("categories").flatMap((p) => p.getValues()),
    alarms: component.getAllSubcomponents("valarm").map((alarm) => value(alarm, "trigger")),
  };
});

process.stdout.write(
  JSON.stringify({
    zones,
    calname: value(calendar, "x-wr-calname"),
    refresh: value(calendar, "refresh-interval"),
    ttl: value(calendar, "x-published-ttl"),
    uid: value(calendar, "uid"),
    events,
  }),
);
