import type { Disposition, Outcome } from "../schema/enums";
import { nextBusinessDay } from "./dates";
import type { Prng } from "./prng";
import type { CaseProfile } from "./profiles";
import type { Event, Segments, Timeline } from "./timeline";

// The docket around the status events: hearings with outcomes (and the continuances they grant),
// trial settings (CourTools 5 counts them), trials, motions and orders. Past events lie in the
// case's active stretches; a pending case may have a hearing or trial date after asOf, with no
// outcome yet.

const TRIAL_DISPOSITIONS: ReadonlySet<Disposition> = new Set(["jury_trial", "bench_trial"]);
const CONTINUANCE_NOTES = [
  "Continued at the request of the defense",
  "Continued at the request of the prosecution",
  "Continued by stipulation of the parties",
  "Continued: court calendar conflict",
  "Continued: witness unavailable",
];

function poisson(rng: Prng, mean: number): number {
  if (mean <= 0) return 0;
  const limit = Math.exp(-Math.min(mean, 30));
  let k = 0;
  let p = rng.next();
  while (p > limit) {
    k++;
    p *= rng.next();
  }
  return k;
}

/** Trial settings before a trial held on `trialDay`: the last one held, earlier ones continued. */
function trialSettings(rng: Prng, events: Event[], from: number, trialDay: number) {
  const r = rng.next();
  const count = r < 0.05 ? 0 : r < 0.5 ? 1 : r < 0.75 ? 2 : r < 0.88 ? 3 : rng.int(4, 6);
  let day = trialDay;
  for (let i = 0; i < count; i++) {
    const last = i === 0;
    const outcome: Outcome = last ? "held" : rng.chance(0.8) ? "continued" : "vacated";
    events.push({ day, type: "trial_setting", outcome, notes: null });
    if (outcome === "continued" && rng.chance(0.6)) {
      events.push({ day, type: "continuance", outcome: null, notes: rng.pick(CONTINUANCE_NOTES) });
    }
    day = Math.max(from, day - rng.int(21, 90));
  }
}

/** A case that never reached trial may still have had a trial date, vacated when it resolved. */
function vacatedSettings(rng: Prng, events: Event[], segments: Segments) {
  const count = rng.chance(0.75) ? 1 : 2;
  for (let i = 0; i < count; i++) {
    const outcome: Outcome = rng.chance(0.6) ? "vacated" : rng.chance(0.5) ? "cancelled" : "continued";
    events.push({ day: segments.sample(rng), type: "trial_setting", outcome, notes: null });
  }
}

export function courtEvents(rng: Prng, profile: CaseProfile, timeline: Timeline, asOf: number): Event[] {
  const { segments, dispositions, state } = timeline;
  const events: Event[] = [];

  // Hearings across the active stretches, with a next one scheduled for most pending cases.
  const years = segments.days / 365;
  const hearings = Math.min(12, poisson(rng, profile.hearingsPerYear * years + 0.5));
  for (let i = 0; i < hearings; i++) {
    const r = rng.next();
    const outcome: Outcome = r < 0.72 ? "held" : r < 0.86 ? "continued" : r < 0.93 ? "vacated" : "cancelled";
    const day = segments.sample(rng);
    events.push({ day, type: "hearing", outcome, notes: null });
    if (outcome === "continued" && rng.chance(0.5)) {
      events.push({ day, type: "continuance", outcome: null, notes: rng.pick(CONTINUANCE_NOTES) });
    }
  }
  if (state === "active" && rng.chance(0.55)) {
    events.push({ day: nextBusinessDay(asOf + rng.int(3, 60)), type: "hearing", outcome: null, notes: null });
  }

  // Trial settings: before each trial disposition, and sometimes on cases resolved without trial.
  for (const d of dispositions) {
    if (TRIAL_DISPOSITIONS.has(d.disposition)) {
      const trialDay = Math.max(d.from, d.day - rng.int(0, 2));
      trialSettings(rng, events, d.from, trialDay);
      events.push({ day: trialDay, type: "trial", outcome: null, notes: null });
    } else if (rng.chance(profile.settingRate)) {
      vacatedSettings(rng, events, segments);
    }
  }
  if (state === "active" && rng.chance(profile.settingRate * 1.5)) {
    events.push({
      day: nextBusinessDay(asOf + rng.int(14, 150)),
      type: "trial_setting",
      outcome: null,
      notes: null,
    });
  }

  // Paperwork: motions and orders, and the odd "other" docket entry.
  if (segments.days > 0) {
    const motions = poisson(rng, profile.paperwork * 0.6);
    for (let i = 0; i < motions; i++)
      events.push({ day: segments.sample(rng), type: "motion", outcome: null, notes: null });
    const orders = poisson(rng, profile.paperwork * 0.4);
    for (let i = 0; i < orders; i++)
      events.push({ day: segments.sample(rng), type: "order", outcome: null, notes: null });
    if (rng.chance(0.05))
      events.push({ day: segments.sample(rng), type: "other", outcome: null, notes: "Clerk's note" });
  }
  return events;
}
