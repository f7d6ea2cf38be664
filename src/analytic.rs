//! The analytic cost model (`cost_model=analytic`): a run-time estimate from the schedule
//! features, per stage, summed. Documented in docs/cost_model.md.
//!
//! Per computed stage, in cycles of one core:
//! - arithmetic: every vector or scalar step costs its operations (`ops_per_point`, inlined
//!   producers included) at two per cycle, plus one scalar load per lane for each load that
//!   does not vectorize and one cycle per vector load (counted after register reuse: loads
//!   shared by unrolled copies or held across the innermost rolled loop are not repeated); a
//!   vector step's operations on types wider than the one its lanes are counted in span
//!   several registers each ([`op_width`]);
//! - memory: the cache lines read per realization from each producer, priced by where the
//!   producer's allocation lives (L1, L2 or DRAM by its size) and by how contiguous the tile's
//!   runs along storage dimension 0 are (short runs defeat prefetching), plus the bytes written;
//! - overheads: an allocation per root Func, or per parallel task for a Func stored inside a
//!   loop (in a stack slot its realizations reuse; large ones also fault in and zero their
//!   pages), and a task launch per parallel task.
//!
//! Arithmetic and cache traffic are divided by the cores the stage can use (the parallel tasks
//! around it, capped by `parallelism`, with the imbalance of the last round of tasks); DRAM
//! traffic is not: all cores share one memory bus, so it takes at least its bytes over the
//! chip's bandwidth however many cores issue it.
//! The constants are properties of a typical x86-64 core, named below with their reasons; none
//! is tuned to a pipeline.

use crate::cost_model::CostModel;
use crate::dag::{op_kind_computes, Dag};
use crate::error::Result;
use crate::features::{StageFeatures, CACHE_LINE_BYTES};
use crate::pipeline_features::{
    accesses_of_class, stage_features, OP_KIND_NAMES, SCALAR_CLASS_NAMES,
};

/// Nominal core clock, cycles per second.
const CLOCK_HZ: f64 = 3.0e9;
/// Vector or scalar arithmetic operations retired per cycle (two ALU/FMA ports on current
/// x86-64 cores).
const OPS_PER_CYCLE: f64 = 2.0;
/// Per-core cache capacities (bytes) that decide where a producer's allocation is read from.
const L1_BYTES: f64 = 32.0 * 1024.0;
const L2_BYTES: f64 = 1024.0 * 1024.0;
/// Sustained read bandwidth per core, bytes per cycle, from L1, L2 and DRAM.
const L1_BYTES_PER_CYCLE: f64 = 64.0;
const L2_BYTES_PER_CYCLE: f64 = 32.0;
const DRAM_BYTES_PER_CYCLE: f64 = 6.0;
/// Sustained DRAM bandwidth of the whole chip, bytes per cycle, shared by every core: about
/// 30 GB/s against a 3 GHz clock, measured on the benchmark machine (2 cores streaming a
/// 256 MB array into another, reads and writes counted: 15.9 GB/s on one core, 29.5 GB/s on
/// two). It was 12 GB/s, a laptop's figure, with which every streaming stage of unsharp_mask
/// looked bound by memory and the search kept two 8 MB buffers at root instead of fusing:
/// 9.6 ms against 3.9 ms now.
const CHIP_DRAM_BYTES_PER_CYCLE: f64 = 10.0;
/// Allocations above this many bytes come from fresh pages (glibc's mmap threshold) that the
/// kernel zero-fills on first touch.
const FRESH_PAGES_THRESHOLD: f64 = 128.0 * 1024.0;
/// A page fault plus zero-filling one 4 KiB page, cycles.
const PAGE_FAULT_CYCLES: f64 = 1000.0;
const PAGE_BYTES: f64 = 4096.0;
/// What starting one contiguous run costs, in bytes of streaming it replaces: a DRAM row
/// opened and a prefetch stream restarted, or an L2 access not overlapped with the previous
/// line's. A run of whole cache lines loses a little (a 64-byte run moves at 2/3 of the
/// streaming rate from DRAM); a run shorter than a line (a transposed write) loses most of
/// it. (A linear ramp to full speed at 1 KiB runs overstated short runs' cost ~10×: on the
/// random pipelines of the dataset, Kendall τ 0.333 against 0.395 now.)
const DRAM_RUN_OVERHEAD_BYTES: f64 = 32.0;
const L2_RUN_OVERHEAD_BYTES: f64 = 8.0;
/// Cycles one vector load takes on a core: a native vector (64 bytes) at L1's 64 bytes per
/// cycle. Loads served from registers (`vector_loads_per_vector` counts after register reuse)
/// cost nothing; the cache lines behind the loads are priced as memory traffic.
const VECTOR_LOAD_CYCLES: f64 = 64.0 / L1_BYTES_PER_CYCLE;
/// Cost of one heap allocation and free (halide_malloc), cycles.
const ALLOCATION_CYCLES: f64 = 300.0;
/// Cost of reusing a stack slot for another realization (a size check), cycles.
const SLOT_REUSE_CYCLES: f64 = 20.0;
/// Cost of dispatching one parallel task through Halide's thread pool, cycles.
const TASK_CYCLES: f64 = 2000.0;

/// Bytes of one value of each scalar class (`pipeline_features::SCALAR_CLASS_NAMES`).
const CLASS_BYTES: [f64; 7] = [1.0, 1.0, 2.0, 4.0, 8.0, 4.0, 8.0];

/// Vector registers one operation of a stage takes per vector of its lanes, on average over
/// the stage's operations, from its pipeline features (`row`): Halide vectorizes a stage in
/// lanes of the narrowest type it loads or stores, so an operation on a type k times wider
/// spans k registers (a u8 stage computing in f32 does 4 instructions per vector step).
/// Operations on the narrowest type or narrower, and booleans, take one. 1 for a stage that
/// computes nothing.
pub fn op_width(row: &[f32]) -> f64 {
    let classes = SCALAR_CLASS_NAMES.len();
    let accessed = |c: usize| accesses_of_class(row, c) > 0.0;
    let Some(narrowest) = (1..classes)
        .filter(|&c| accessed(c))
        .map(|c| CLASS_BYTES[c])
        .min_by(f64::total_cmp)
    else {
        return 1.0;
    };
    let (mut ops, mut registers) = (0.0, 0.0);
    for kind in (0..OP_KIND_NAMES.len()).filter(|&k| op_kind_computes(k)) {
        for (c, bytes) in CLASS_BYTES.iter().enumerate() {
            let n = row.get(kind * classes + c).copied().unwrap_or(0.0) as f64;
            // Booleans (class 0) are masks: one register whatever the lanes.
            let width = if c == 0 {
                1.0
            } else {
                (bytes / narrowest).max(1.0)
            };
            ops += n;
            registers += n * width;
        }
    }
    if ops > 0.0 {
        registers / ops
    } else {
        1.0
    }
}

/// Run-time estimate from features: the configured core count and, per stage of the pipeline,
/// its [`op_width`].
#[derive(Debug, Clone)]
pub struct AnalyticCostModel {
    parallelism: f64,
    /// Per stage; a stage without one counts 1.
    op_widths: Vec<f64>,
    queue: Vec<Vec<StageFeatures>>,
}

impl AnalyticCostModel {
    pub fn new(parallelism: u32) -> Self {
        AnalyticCostModel {
            parallelism: parallelism.max(1) as f64,
            op_widths: Vec::new(),
            queue: Vec::new(),
        }
    }

    /// The stages' operation widths from their pipeline features (rows of
    /// `pipeline_features::stage_features`), as a dataset records them.
    pub fn set_pipeline_features(&mut self, rows: &[Vec<f32>]) {
        self.op_widths = rows.iter().map(|row| op_width(row)).collect();
    }

    /// The operation width of stage `s`.
    pub fn op_width_of(&self, s: usize) -> f64 {
        self.op_widths.get(s).copied().unwrap_or(1.0)
    }

    /// Cycles to move `bytes` of an allocation of `allocation_bytes`, in runs of `run_bytes`,
    /// on `cores` cores: (cycles on each core, cycles on the shared memory bus).
    fn transfer_cycles(
        bytes: f64,
        allocation_bytes: f64,
        run_bytes: f64,
        cores: f64,
    ) -> (f64, f64) {
        let run = run_bytes.max(1.0);
        if allocation_bytes <= L1_BYTES {
            (bytes / L1_BYTES_PER_CYCLE / cores, 0.0)
        } else if allocation_bytes <= L2_BYTES {
            let efficiency = run / (run + L2_RUN_OVERHEAD_BYTES);
            (bytes / (L2_BYTES_PER_CYCLE * efficiency) / cores, 0.0)
        } else {
            // Each run's start is paid on the cores and on the bus alike.
            let efficiency = run / (run + DRAM_RUN_OVERHEAD_BYTES);
            (
                bytes / (DRAM_BYTES_PER_CYCLE * efficiency) / cores,
                bytes / (CHIP_DRAM_BYTES_PER_CYCLE * efficiency),
            )
        }
    }

    /// Seconds for stage `s`.
    pub fn stage_seconds(&self, s: usize, f: &StageFeatures) -> f64 {
        if f.inlined > 0.0 || f.points_computed_total <= 0.0 {
            return 0.0;
        }
        let steps = f.num_vectors * self.op_width_of(s) + f.num_scalars;
        // Points computed one at a time (a stage not vectorized, or the guarded tail of a
        // vectorized row) issue each of their loads alone.
        let loads_per_scalar =
            f.vector_loads_per_vector + f.scalar_loads_per_vector / f.vector_size.max(1.0);
        let arithmetic = steps * f.ops_per_point / OPS_PER_CYCLE
            + f.num_vectors
                * (f.scalar_loads_per_vector + f.vector_loads_per_vector * VECTOR_LOAD_CYCLES)
            + f.num_scalars * loads_per_scalar;

        let tasks = (f.inner_parallelism * f.outer_parallelism).max(1.0);
        let cores = tasks.min(self.parallelism);
        let rounds = (tasks / self.parallelism).ceil().max(1.0);
        let imbalance = rounds * self.parallelism.min(tasks) / tasks;

        // Reads: producers' lines per realization, priced by the producers' allocation size
        // (the average allocation read stands for where those lines come from).
        let producers = f.allocation_bytes_read_per_realization.max(1.0);
        let read_bytes =
            f.num_realizations * f.unique_lines_read_per_realization * CACHE_LINE_BYTES;
        let (read_core, read_bus) = Self::transfer_cycles(
            read_bytes,
            producers,
            f.read_run_bytes.max(CACHE_LINE_BYTES),
            cores,
        );
        let written_bytes = f.points_computed_total
            * (f.bytes_at_realization / f.points_computed_per_realization.max(1.0));
        let (write_core, write_bus) = Self::transfer_cycles(
            written_bytes,
            f.bytes_at_realization,
            f.write_run_bytes,
            cores,
        );
        let fresh_pages = if f.bytes_at_realization > FRESH_PAGES_THRESHOLD {
            (f.bytes_at_realization / PAGE_BYTES).ceil()
        } else {
            0.0
        };
        let allocations = if f.computed_at_root > 0.0 {
            ALLOCATION_CYCLES + fresh_pages * PAGE_FAULT_CYCLES / cores
        } else {
            // Stored in MemoryType::Stack (every Func computed inside a loop is): one buffer
            // per parallel task that the task's realizations reuse; only the first allocates
            // and faults in its pages.
            let first = f.num_realizations.min(f.outer_parallelism.max(1.0));
            (first * (ALLOCATION_CYCLES + fresh_pages * PAGE_FAULT_CYCLES)
                + (f.num_realizations - first) * SLOT_REUSE_CYCLES)
                / cores
        };
        let launch = if f.inner_parallelism > 1.0 {
            f.inner_parallelism * TASK_CYCLES / cores
        } else {
            0.0
        };

        let on_cores = (arithmetic / cores + read_core + write_core) * imbalance;
        (on_cores.max(read_bus + write_bus) + allocations + launch) / CLOCK_HZ
    }
}

impl CostModel for AnalyticCostModel {
    fn set_pipeline(&mut self, dag: &Dag) -> Result<()> {
        self.queue.clear();
        let rows: Vec<Vec<f32>> = (0..dag.raw.stages.len())
            .map(|s| stage_features(dag, s))
            .collect();
        self.set_pipeline_features(&rows);
        Ok(())
    }

    fn enqueue(&mut self, stages: Vec<StageFeatures>) -> Result<usize> {
        self.queue.push(stages);
        Ok(self.queue.len() - 1)
    }

    fn evaluate(&mut self) -> Result<Vec<f64>> {
        let queue = std::mem::take(&mut self.queue);
        Ok(queue
            .iter()
            .map(|stages| {
                stages
                    .iter()
                    .enumerate()
                    .map(|(s, f)| self.stage_seconds(s, f))
                    .sum()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline_features::{feature_names, NUM_FEATURES};

    fn row(entries: &[(&str, f32)]) -> Vec<f32> {
        let names = feature_names();
        let mut row = vec![0.0; NUM_FEATURES];
        for (name, value) in entries {
            row[names.iter().position(|n| n == name).expect(name)] = *value;
        }
        row
    }

    #[test]
    fn operations_wider_than_the_lanes_span_several_registers() {
        // A u8 store computed by 3 f32 operations and a u8 one: (3 x 4 + 1) / 4 registers.
        let u8_from_f32 = row(&[
            ("access.pointwise.load_func.float", 1.0),
            ("access.pointwise.store.int8", 1.0),
            ("op.mul.float", 2.0),
            ("op.add.float", 1.0),
            ("op.cast.int8", 1.0),
        ]);
        assert_eq!(op_width(&u8_from_f32), 13.0 / 4.0);
        // Lanes of u16 (the narrowest access); i32 arithmetic takes two registers, a comparison's
        // boolean one, and constants and loads are no operations.
        let u16_with_i32 = row(&[
            ("access.gather.load_image.int16", 1.0),
            ("access.pointwise.store.int32", 1.0),
            ("op.add.int32", 1.0),
            ("op.and.bool", 1.0),
            ("op.const.int32", 5.0),
            ("op.func_call.int32", 3.0),
        ]);
        assert_eq!(op_width(&u16_with_i32), 3.0 / 2.0);
        // All in one type, or nothing computed: one register per operation.
        let f32_only = row(&[("access.pointwise.store.float", 1.0), ("op.add.float", 4.0)]);
        assert_eq!(op_width(&f32_only), 1.0);
        assert_eq!(op_width(&row(&[("access.pointwise.store.int8", 1.0)])), 1.0);
        assert_eq!(op_width(&row(&[])), 1.0);
    }

    #[test]
    fn a_wide_expression_costs_more_per_vector() {
        let mut model = AnalyticCostModel::new(1);
        let f = StageFeatures {
            num_vectors: 1000.0,
            points_computed_total: 64000.0,
            points_computed_per_realization: 64000.0,
            ops_per_point: 10.0,
            ..StageFeatures::default()
        };
        let narrow = model.stage_seconds(0, &f);
        model.set_pipeline_features(&[row(&[
            ("access.pointwise.store.int8", 1.0),
            ("op.add.float", 1.0),
        ])]);
        let wide = model.stage_seconds(0, &f);
        assert!(wide > 3.0 * narrow, "{wide} vs {narrow}");
    }
}
