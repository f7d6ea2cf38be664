//! Building a [`SchedulePlan`]: per-Func placements and, per stage, the loop transformations in
//! the order the glue applies them (splits, reorder, vectorize, parallel, unroll).
//!
//! [`StagePlanBuilder`] tracks the stage's loop order as splits are made, so that a caller can
//! ask for "this loop innermost" and get the complete order Halide's `reorder` needs. Split
//! products are named by extending the split loop's name (the `.schedule.h` renderer relies on
//! this to name them in a program where the original var has another unique name).

use crate::bridge::ffi::{DagStage, FuncPlan, LoopRef, Placement, SplitPlan, StagePlan, TailKind};

/// Placement of a Func with no loop level.
pub fn func_plan(func: usize, compute: Placement) -> FuncPlan {
    let nowhere = LoopRef {
        stage: -1,
        loop_var: String::new(),
    };
    FuncPlan {
        func: func as i32,
        compute,
        compute_at: nowhere.clone(),
        store: if compute == Placement::Inline {
            Placement::Inline
        } else {
            Placement::Root
        },
        store_at: nowhere,
        store_in_stack: false,
    }
}

/// Accumulates one stage's transformations.
#[derive(Debug, Clone)]
pub struct StagePlanBuilder {
    plan: StagePlan,
    /// Current loop order, innermost first.
    order: Vec<String>,
    reordered: bool,
}

impl StagePlanBuilder {
    pub fn new(stage_index: usize, stage: &DagStage) -> Self {
        StagePlanBuilder {
            plan: StagePlan {
                stage: stage_index as i32,
                splits: Vec::new(),
                order: Vec::new(),
                vectorize: String::new(),
                parallel: Vec::new(),
                unroll: Vec::new(),
            },
            order: stage.loops.iter().map(|l| l.var.clone()).collect(),
            reordered: false,
        }
    }

    /// Current loops, innermost first.
    pub fn loops(&self) -> &[String] {
        &self.order
    }

    fn fresh_name(&self, base: &str, suffix: &str) -> String {
        let mut name = format!("{base}{suffix}");
        let mut n = 1;
        while self.order.contains(&name) {
            name = format!("{base}{suffix}{n}");
            n += 1;
        }
        name
    }

    /// Splits `var` by `factor`; the outer loop keeps the name, the inner one is returned.
    pub fn split(&mut self, var: &str, factor: i64, tail: TailKind) -> String {
        let inner = self.fresh_name(var, "_i");
        let position = self
            .order
            .iter()
            .position(|v| v == var)
            .expect("split of a loop the stage does not have");
        self.order.insert(position, inner.clone());
        self.plan.splits.push(SplitPlan {
            old: var.to_string(),
            outer: var.to_string(),
            inner: inner.clone(),
            factor: factor as i32,
            tail,
        });
        inner
    }

    /// Moves `var` innermost, keeping the relative order of the other loops.
    pub fn move_innermost(&mut self, var: &str) {
        if self.order.first().map(String::as_str) == Some(var) {
            return;
        }
        self.order.retain(|v| v != var);
        self.order.insert(0, var.to_string());
        self.reordered = true;
    }

    /// Sets the complete loop order, innermost first (every current loop exactly once).
    pub fn set_order(&mut self, order: Vec<String>) {
        debug_assert_eq!(order.len(), self.order.len());
        if order != self.order {
            self.order = order;
            self.reordered = true;
        }
    }

    pub fn vectorize(&mut self, var: &str) {
        self.plan.vectorize = var.to_string();
    }

    pub fn parallel(&mut self, var: &str) {
        self.plan.parallel.push(var.to_string());
    }

    pub fn unroll(&mut self, var: &str) {
        self.plan.unroll.push(var.to_string());
    }

    pub fn finish(mut self) -> StagePlan {
        if self.reordered {
            self.plan.order = self.order;
        }
        self.plan
    }
}
