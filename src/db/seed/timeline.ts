import type { ActivityType, CaseStatus, Disposition, Outcome } from "../schema/enums";
import type { Prng } from "./prng";
import type { CaseProfile } from "./profiles";

// A case's status events: filed → (placed_inactive → reactivated) → disposed → (reopened → disposed),
// cut at asOf. Dates strictly increase, so no case holds two status events of one type on one date,
// and the state after the last event is what cases.status says.

export interface Event {
  day: number;
  type: ActivityType;
  outcome: Outcome | null;
  notes: string | null;
}

/** Active stretches of a case's life ([from, to] days), where court events can happen. */
export class Segments {
  private spans: [number, number][] = [];
  private total = 0;
  add(from: number, to: number) {
    if (to < from) return;
    this.spans.push([from, to]);
    this.total += to - from + 1;
  }
  sample(rng: Prng): number {
    let r = Math.floor(rng.next() * this.total);
    for (const [from, to] of this.spans) {
      const len = to - from + 1;
      if (r < len) return from + r;
      r -= len;
    }
    return this.spans[this.spans.length - 1]![1];
  }
  get days() {
    return this.total;
  }
}

export interface Timeline {
  status: Event[];
  segments: Segments;
  /** Each disposition with the start of the stretch it ended (for trial settings before it). */
  dispositions: { day: number; disposition: Disposition; from: number }[];
  state: CaseStatus;
}

const statusEvent = (day: number, type: ActivityType): Event => ({ day, type, outcome: null, notes: null });

export function statusTimeline(
  rng: Prng,
  profile: CaseProfile,
  filed: number,
  activeDays: number,
  asOf: number,
): Timeline {
  const t: Timeline = {
    status: [statusEvent(filed, "filed")],
    segments: new Segments(),
    dispositions: [],
    state: "active",
  };

  // First life: filed → (inactive period) → disposed, or still pending at asOf.
  let end = filed + activeDays;
  let start = filed;
  if (rng.chance(profile.inactiveRate) && activeDays >= 2) {
    const inactiveOn = filed + rng.int(1, activeDays - 1);
    if (inactiveOn <= asOf) {
      t.segments.add(start, inactiveOn);
      t.status.push(statusEvent(inactiveOn, "placed_inactive"));
      // Most stays are short (a continuance, a stay pending appeal); warrants and bankruptcies last years.
      const reactivatedOn = inactiveOn + (rng.chance(0.3) ? rng.int(365, 1500) : rng.int(20, 300));
      if (reactivatedOn > asOf) {
        t.state = "inactive";
        return t;
      }
      t.status.push(statusEvent(reactivatedOn, "reactivated"));
      end = reactivatedOn + (filed + activeDays - inactiveOn);
      start = reactivatedOn;
    }
  }
  if (end > asOf) {
    t.segments.add(start, asOf);
    return t;
  }
  t.segments.add(start, end);
  t.status.push(statusEvent(end, "disposed"));
  t.dispositions.push({ day: end, disposition: profile.disposition(rng), from: start });
  t.state = "disposed";

  // Second life: reopened after the disposition (modification, violation, new motion).
  if (!rng.chance(profile.reopenRate)) return t;
  const reopenedOn = end + rng.int(30, 540);
  if (reopenedOn > asOf) return t;
  t.status.push(statusEvent(reopenedOn, "reopened"));
  const again = reopenedOn + rng.int(14, 200);
  if (again > asOf) {
    t.segments.add(reopenedOn, asOf);
    t.state = "active";
    return t;
  }
  t.segments.add(reopenedOn, again);
  t.status.push(statusEvent(again, "disposed"));
  t.dispositions.push({ day: again, disposition: profile.disposition(rng), from: reopenedOn });
  return t;
}
