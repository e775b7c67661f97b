//! A cursor that walks the exact solution forward through dose actions.

use super::onecpt::Coefficients;
use super::params::{PkParams, State};
use super::twocpt::Transition;
use crate::regimen::DoseEvent;
use crate::units::NG_PER_ML_PER_MG_PER_L;

/// What happens to the state at an action time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ActionKind {
    /// Amount (mg, after bioavailability) enters the depot.
    Depot(f64),
    /// Amount (mg) enters the central compartment (IV bolus).
    Central(f64),
    /// The infusion rate (mg/h) changes by this much.
    Rate(f64),
    /// Clearance (L/h) becomes this value from now on (a co-medication starts or stops).
    /// Between actions clearance is constant, so stepping stays exact.
    Clearance(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Action {
    pub time_h: f64,
    pub kind: ActionKind,
}

/// Turns dose events into state actions: extravascular doses enter the depot at time + lag,
/// scaled by bioavailability; IV boluses enter the central compartment; infusions start and stop
/// a constant rate.
pub fn actions_from_doses(params: &PkParams, doses: &[DoseEvent]) -> Vec<Action> {
    let mut out = Vec::with_capacity(doses.len() * 2);
    actions_into(&mut out, params, doses);
    out
}

/// `actions_from_doses` into a reused buffer (population runs keep one per thread).
pub fn actions_into(out: &mut Vec<Action>, params: &PkParams, doses: &[DoseEvent]) {
    out.clear();
    for d in doses {
        if d.route.is_extravascular() {
            out.push(Action {
                time_h: d.time_h + params.lag_h,
                kind: ActionKind::Depot(d.amount_mg * params.bioavailability),
            });
        } else if let Some(dur) = d.infusion_h {
            let rate = d.amount_mg / dur;
            out.push(Action {
                time_h: d.time_h,
                kind: ActionKind::Rate(rate),
            });
            out.push(Action {
                time_h: d.time_h + dur,
                kind: ActionKind::Rate(-rate),
            });
        } else {
            out.push(Action {
                time_h: d.time_h,
                kind: ActionKind::Central(d.amount_mg),
            });
        }
    }
    out.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
}

#[derive(Debug, Clone, Copy)]
enum Stepper {
    One {
        k: f64,
        ka: f64,
        c: Coefficients,
    },
    Two {
        k10: f64,
        k12: f64,
        k21: f64,
        ka: f64,
        t: Transition,
    },
}

/// Clearance changes as actions: `changes` holds (time h, new clearance L/h), ascending.
pub fn clearance_actions(changes: &[(f64, f64)]) -> Vec<Action> {
    changes
        .iter()
        .map(|&(time_h, cl)| Action {
            time_h,
            kind: ActionKind::Clearance(cl),
        })
        .collect()
}

/// Dose actions with clearance changes merged in, sorted by time (a change at a dose time is
/// applied before the dose; the order does not matter for the state).
pub fn actions_with_clearance(
    params: &PkParams,
    doses: &[DoseEvent],
    changes: &[(f64, f64)],
) -> Vec<Action> {
    let mut out = clearance_actions(changes);
    out.extend(actions_from_doses(params, doses));
    out.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    out
}

/// Walks forward in time; cheap to clone (for look-ahead while refining a peak).
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    pub time_h: f64,
    pub state: State,
    /// Current infusion rate (mg/h).
    pub rate: f64,
    /// AUC of the concentration since time 0 (mg*h/L).
    auc_mg_h_per_l: f64,
    actions: &'a [Action],
    next: usize,
    cl: f64,
    v: f64,
    stepper: Stepper,
}

impl<'a> Cursor<'a> {
    /// Starts at time 0 with empty compartments; `actions` must be sorted by time.
    pub fn new(params: &PkParams, actions: &'a [Action]) -> Self {
        Self::with_state(params, actions, 0.0, State::default(), 0.0)
    }

    /// Starts at `time_h` with `state` and infusion `rate`; actions before `time_h` are skipped.
    pub fn with_state(
        params: &PkParams,
        actions: &'a [Action],
        time_h: f64,
        state: State,
        rate: f64,
    ) -> Self {
        let k = params.k_per_h();
        let stepper = match params.peripheral {
            None => Stepper::One {
                k,
                ka: params.ka_per_h,
                c: Coefficients::new(k, params.ka_per_h, 0.0),
            },
            Some((q, v2)) => {
                let (k12, k21) = (q / params.volume_l, q / v2);
                Stepper::Two {
                    k10: k,
                    k12,
                    k21,
                    ka: params.ka_per_h,
                    t: Transition::new(k, k12, k21, params.ka_per_h, 0.0),
                }
            }
        };
        let next = actions.partition_point(|a| a.time_h < time_h);
        Cursor {
            time_h,
            state,
            rate,
            auc_mg_h_per_l: 0.0,
            actions,
            next,
            cl: params.clearance_l_per_h,
            v: params.volume_l,
            stepper,
        }
    }

    /// Concentration now (ng/mL).
    #[inline]
    pub fn conc_ng_per_ml(&self) -> f64 {
        self.state.central / self.v * NG_PER_ML_PER_MG_PER_L
    }

    /// AUC accumulated since the cursor started (ng*h/mL).
    pub fn auc_ng_h_per_ml(&self) -> f64 {
        self.auc_mg_h_per_l * NG_PER_ML_PER_MG_PER_L
    }

    /// Time of the next pending action, if any.
    pub fn next_action_time(&self) -> Option<f64> {
        self.actions.get(self.next).map(|a| a.time_h)
    }

    /// Applies every action with time < t, then moves to t. Actions exactly at t stay pending,
    /// so the state at t is the state just before them.
    pub fn advance_to(&mut self, t: f64) {
        self.advance(t, false)
    }

    /// Like `advance_to`, but also applies the actions at exactly t.
    pub fn advance_through(&mut self, t: f64) {
        self.advance(t, true)
    }

    fn advance(&mut self, t: f64, inclusive: bool) {
        while let Some(a) = self.actions.get(self.next) {
            if a.time_h > t || (a.time_h == t && !inclusive) {
                break;
            }
            self.step_to(a.time_h);
            match a.kind {
                ActionKind::Depot(x) => self.state.depot += x,
                ActionKind::Central(x) => self.state.central += x,
                ActionKind::Rate(r) => {
                    self.rate += r;
                    if self.rate.abs() < 1e-12 {
                        self.rate = 0.0;
                    }
                }
                ActionKind::Clearance(cl) => self.set_clearance(cl),
            }
            self.next += 1;
        }
        self.step_to(t);
    }

    /// New clearance from now on: the elimination rate changes and the cached transition over
    /// the last step length is rebuilt on the next step.
    fn set_clearance(&mut self, cl: f64) {
        self.cl = cl;
        let k = cl / self.v;
        match &mut self.stepper {
            Stepper::One { k: k1, ka, c } => {
                *k1 = k;
                *c = Coefficients::new(k, *ka, 0.0);
            }
            Stepper::Two {
                k10,
                k12,
                k21,
                ka,
                t,
            } => {
                *k10 = k;
                *t = Transition::new(k, *k12, *k21, *ka, 0.0);
            }
        }
    }

    fn step_to(&mut self, t: f64) {
        let dt = t - self.time_h;
        if dt <= 0.0 {
            return;
        }
        let before = self.state;
        match &mut self.stepper {
            Stepper::One { k, ka, c } => {
                if c.dt != dt {
                    *c = Coefficients::new(*k, *ka, dt);
                }
                let (d, cc) = c.step(before.depot, before.central, self.rate);
                self.state.depot = d;
                self.state.central = cc;
            }
            Stepper::Two {
                k10,
                k12,
                k21,
                ka,
                t: tr,
            } => {
                if tr.dt != dt {
                    *tr = Transition::new(*k10, *k12, *k21, *ka, dt);
                }
                let (d, c, p) = tr.step(before.depot, before.central, before.peripheral, self.rate);
                self.state = State {
                    depot: d,
                    central: c,
                    peripheral: p,
                };
            }
        }
        let eliminated = (before.depot - self.state.depot)
            + self.rate * dt
            + (before.body() - self.state.body());
        self.auc_mg_h_per_l += eliminated.max(0.0) / self.cl;
        self.time_h = t;
    }
}
