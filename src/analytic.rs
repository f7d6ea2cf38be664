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
//!   producer's allocation lives (L1, L2 or DRAM by its size; a producer that a Func computed
//!   in the stage's tiles read first, by that Func's footprint) and by how contiguous the tile's
//!   runs along storage dimension 0 are (short runs defeat prefetching), plus the bytes written;
//! - overheads: an allocation per root Func, or per parallel task for a Func stored inside a
//!   loop (in a stack slot its realizations reuse), the page faults of heap memory glibc hands
//!   back to the kernel between uses ([`HeapReuse`]), and a task launch per parallel task.
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
/// glibc maps allocations above this many bytes afresh at first (its initial mmap threshold);
/// the kernel zero-fills their pages on first touch.
const INITIAL_MMAP_THRESHOLD: f64 = 128.0 * 1024.0;
/// glibc's ceiling for its dynamic mmap threshold: larger blocks are always mapped afresh.
const MMAP_THRESHOLD_MAX: f64 = 32.0 * 1024.0 * 1024.0;
/// glibc's top pad: the slack above the live blocks a heap keeps when it grows.
const HEAP_TOP_PAD_BYTES: f64 = 128.0 * 1024.0;
/// Halide's largest stack allocation (`maximum_stack_allocation_bytes`): a Func stored in
/// `MemoryType::Stack` whose buffer is larger lives in a heap block (its pseudostack slot).
const STACK_LIMIT_BYTES: f64 = 16.0 * 1024.0;
/// A page fault plus zero-filling one 4 KiB page, cycles: 1.4 us measured on the benchmark
/// machine (a C loop mapping 600 KiB, touching each page and unmapping it: 1.38-1.53 us a page
/// from 150 KiB to 8 MiB), at 3 GHz. It was 1000 cycles, a bare-metal figure.
const PAGE_FAULT_CYCLES: f64 = 4200.0;
const PAGE_BYTES: f64 = 4096.0;
/// The share of a root block's pages (between glibc's initial mmap threshold and its ceiling)
/// that fault in again each run: root blocks are freed one by one as their last consumer
/// finishes, and whether the heap's top reaches the trim threshold depends on their order and
/// neighbours. Measured with `perf stat -e page-faults` over RunGen's runs: unsharp_mask with
/// gray and blur_x at root (8 MiB each), 954 faults a run of their 4096 pages; local_laplacian's
/// 24 MiB of root pyramids, about 100.
const ROOT_REFAULT_SHARE: f64 = 0.25;
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
    /// Per stage, from the pipeline when the model has it; empty for stored features.
    roles: Vec<StageRole>,
    queue: Vec<Vec<StageFeatures>>,
}

/// What a stage is to the heap: whether it starts its Func (a Func's buffer counts once, at its
/// first stage), whether its Func is an output (its buffer is the caller's), and the stages
/// that read its Func (Halide frees a buffer after its last use).
#[derive(Debug, Clone, PartialEq)]
struct StageRole {
    first_of_func: bool,
    output: bool,
    readers: Vec<usize>,
}

/// What glibc's malloc does, run after run, with the heap blocks of a schedule's buffers: the
/// root Funcs' and those of Funcs stored inside a loop beyond Halide's stack limit (Halide
/// backs their `MemoryType::Stack` slot with the heap, one block per parallel task).
///
/// glibc maps a block above its mmap threshold (128 KiB at first) afresh, and when it frees
/// such a block raises the threshold to the block's size and its trim threshold to twice that,
/// so from the second run on every block up to 32 MiB comes from a heap. A heap gives memory
/// back to the kernel when a free leaves its top free area at the trim threshold or more; the
/// next allocation faults those pages in again. When a task's blocks and the heap's top pad
/// reach twice the largest block, the heap is trimmed as tasks end and grows back to the
/// task's live peak in the next: that share of the blocks' pages faults in every task.
/// (Measured with `strace -c` and `perf stat -e page-faults` over RunGen runs: nl_means with
/// 256-wide output tiles keeps blocks of 400, 200, 44, 42 and 16 KiB per task, makes 28 `brk`
/// and 7 `madvise` calls and about 5800 faults a run, 35 ms; with 384-wide tiles, 608, 301,
/// 66, 62 and 24 KiB stay under twice 608 KiB with the pad: no call, 15 ms.
/// long_stencil_chain_16 with 256x256 tiles keeps eight 285 KiB blocks per task of which two
/// are live at once: about 125 faults a run.)
#[derive(Debug, Clone, PartialEq)]
pub struct HeapReuse {
    /// The most bytes of blocks stored inside loops live at once in a task.
    pub task_bytes_live: f64,
    /// glibc's mmap threshold from the second run on: the largest block, at least 128 KiB.
    pub mmap_threshold: f64,
    /// All bytes of blocks stored inside loops in a task.
    pub task_bytes: f64,
    /// The share of those blocks' pages that fault in again in every task: 0 while the heap
    /// keeps them, else the live peak over the total (the heap grows back to its peak).
    pub task_refault_share: f64,
    /// Per stage, whether its Func is an output (whose buffer the caller allocates).
    pub output: Vec<bool>,
}

impl AnalyticCostModel {
    pub fn new(parallelism: u32) -> Self {
        AnalyticCostModel {
            parallelism: parallelism.max(1) as f64,
            op_widths: Vec::new(),
            roles: Vec::new(),
            queue: Vec::new(),
        }
    }

    /// How the heap treats the blocks of one schedule (`stages`, its features). Without the
    /// pipeline (stored features), the last stage is taken for the output and a stage for the
    /// first of its Func unless it has the previous stage's storage and realizations.
    pub fn heap_reuse(&self, stages: &[StageFeatures]) -> HeapReuse {
        let first_of_func = |s: usize| match self.roles.get(s) {
            Some(role) => role.first_of_func,
            None => {
                let key = |f: &StageFeatures| {
                    (
                        f.inlined,
                        f.computed_at_root,
                        f.bytes_at_realization,
                        f.num_realizations,
                    )
                };
                s == 0 || key(&stages[s - 1]) != key(&stages[s])
            }
        };
        let output: Vec<bool> = (0..stages.len())
            .map(|s| {
                self.roles
                    .get(s)
                    .map_or(s + 1 == stages.len(), |role| role.output)
            })
            .collect();
        // The last stage during which stage `s`'s Func is live: stages run producers first,
        // and a reader that is inlined or fits on the stack is computed inside its own
        // readers' loops, so the buffer lives on through those. Without the pipeline, to the
        // end.
        let last_use = |s: usize| -> usize {
            if self.roles.is_empty() {
                return stages.len();
            }
            let mut seen = vec![false; stages.len()];
            let mut pending = self.roles[s].readers.clone();
            let mut last = s;
            while let Some(c) = pending.pop() {
                if c >= stages.len() || std::mem::replace(&mut seen[c], true) {
                    continue;
                }
                last = last.max(c);
                let reader = &stages[c];
                if reader.inlined > 0.0
                    || reader.computed_at_root == 0.0
                        && reader.bytes_at_realization <= STACK_LIMIT_BYTES
                {
                    pending.extend_from_slice(&self.roles[c].readers);
                }
            }
            last
        };
        // Task blocks as (first stage, last use, bytes).
        let mut task_blocks = Vec::new();
        let mut largest = 0.0_f64;
        for (s, f) in stages.iter().enumerate() {
            let bytes = f.bytes_at_realization;
            if !first_of_func(s)
                || output[s]
                || f.inlined > 0.0
                || f.points_computed_total <= 0.0
                || bytes > MMAP_THRESHOLD_MAX
            {
                continue;
            }
            if f.computed_at_root > 0.0 {
                largest = largest.max(bytes);
            } else if bytes > STACK_LIMIT_BYTES {
                largest = largest.max(bytes);
                task_blocks.push((s, last_use(s), bytes));
            }
        }
        let mmap_threshold = largest.max(INITIAL_MMAP_THRESHOLD);
        // The most bytes of task blocks live at once, at some block's first stage.
        let live = task_blocks
            .iter()
            .map(|&(at, _, _)| {
                task_blocks
                    .iter()
                    .filter(|&&(first, last, _)| first <= at && at <= last)
                    .map(|&(_, _, bytes)| bytes)
                    .sum::<f64>()
            })
            .fold(0.0, f64::max);
        let total: f64 = task_blocks.iter().map(|&(_, _, bytes)| bytes).sum();
        let trims = total > 0.0 && total + HEAP_TOP_PAD_BYTES >= 2.0 * mmap_threshold;
        HeapReuse {
            task_bytes_live: live,
            mmap_threshold,
            task_bytes: total,
            task_refault_share: if trims { live / total } else { 0.0 },
            output,
        }
    }

    /// The stages' operation widths from their pipeline features (rows of
    /// `pipeline_features::stage_features`), as a dataset records them.
    pub fn set_pipeline_features(&mut self, rows: &[Vec<f32>]) {
        self.op_widths = rows.iter().map(|row| op_width(row)).collect();
        self.roles.clear();
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

    /// Seconds for stage `s` of a schedule whose heap blocks fare as `heap` says.
    pub fn stage_seconds(&self, s: usize, f: &StageFeatures, heap: &HeapReuse) -> f64 {
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

        // Reads: producers' lines per realization, priced by the size of the memory they come
        // from (the producers' allocations, or what a Func computed in this stage's tiles read
        // of them first; the sum over producers stands for where those lines come from).
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
        let pages = (f.bytes_at_realization / PAGE_BYTES).ceil();
        let allocations = if heap.output.get(s).copied().unwrap_or(false) {
            0.0 // the caller's buffer
        } else if f.computed_at_root > 0.0 {
            // A root block above the mmap ceiling is mapped afresh every run; one above the
            // initial threshold comes from a heap that gives some of its pages back between
            // runs (ROOT_REFAULT_SHARE).
            let fresh_pages = if f.bytes_at_realization > MMAP_THRESHOLD_MAX {
                pages
            } else if f.bytes_at_realization > INITIAL_MMAP_THRESHOLD {
                pages * ROOT_REFAULT_SHARE
            } else {
                0.0
            };
            ALLOCATION_CYCLES + fresh_pages * PAGE_FAULT_CYCLES / cores
        } else {
            // Stored in MemoryType::Stack (every Func computed inside a loop is): one buffer
            // per parallel task that the task's realizations reuse; only the first allocates,
            // and faults its pages in when the heap gave them back (`HeapReuse`) or the block
            // is mapped afresh.
            let fresh_pages = if f.bytes_at_realization > MMAP_THRESHOLD_MAX {
                pages
            } else if f.bytes_at_realization > STACK_LIMIT_BYTES {
                pages * heap.task_refault_share
            } else {
                0.0
            };
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
        self.roles = dag
            .raw
            .stages
            .iter()
            .map(|stage| StageRole {
                first_of_func: stage.index == 0,
                output: dag.func(stage.func as usize).is_output,
                readers: dag.edges_from_func[stage.func as usize]
                    .iter()
                    .map(|&e| dag.raw.edges[e].consumer_stage.max(0) as usize)
                    .collect(),
            })
            .collect();
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
                let heap = self.heap_reuse(stages);
                stages
                    .iter()
                    .enumerate()
                    .map(|(s, f)| self.stage_seconds(s, f, &heap))
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
        let heap = model.heap_reuse(std::slice::from_ref(&f));
        let narrow = model.stage_seconds(0, &f, &heap);
        model.set_pipeline_features(&[row(&[
            ("access.pointwise.store.int8", 1.0),
            ("op.add.float", 1.0),
        ])]);
        let wide = model.stage_seconds(0, &f, &heap);
        assert!(wide > 3.0 * narrow, "{wide} vs {narrow}");
    }

    /// One schedule of blocks stored inside a 128-task loop (KiB each), then the output.
    fn task_blocks(kib: &[f64]) -> Vec<StageFeatures> {
        let mut stages: Vec<StageFeatures> = kib
            .iter()
            .map(|k| StageFeatures {
                bytes_at_realization: k * 1024.0,
                num_realizations: 384.0,
                outer_parallelism: 128.0,
                points_computed_total: 1e6,
                ..StageFeatures::default()
            })
            .collect();
        stages.push(StageFeatures {
            computed_at_root: 1.0,
            bytes_at_realization: 4608.0 * 1024.0,
            num_realizations: 1.0,
            points_computed_total: 1e6,
            ..StageFeatures::default()
        });
        stages
    }

    #[test]
    fn task_blocks_fault_again_when_they_reach_twice_the_largest_with_the_top_pad() {
        let model = AnalyticCostModel::new(2);
        // nl_means's blocks per task with 256-wide output tiles (trimmed every task, 35 ms)
        // and 384-wide ones (kept, 15 ms); the output's buffer is the caller's.
        let trimmed = task_blocks(&[407.0, 200.0, 44.0, 42.0, 16.0]);
        let kept = task_blocks(&[608.0, 301.0, 66.0, 62.0, 24.0]);
        assert_eq!(model.heap_reuse(&trimmed).task_refault_share, 1.0);
        assert_eq!(model.heap_reuse(&kept).task_refault_share, 0.0);
        // One large block alone is reused; blocks within the stack limit are no heap blocks.
        assert_eq!(
            model.heap_reuse(&task_blocks(&[400.0])).task_refault_share,
            0.0
        );
        assert_eq!(
            model
                .heap_reuse(&task_blocks(&[16.0; 40]))
                .task_refault_share,
            0.0
        );
        // A root block larger than the task blocks raises the thresholds above them.
        let mut with_root = trimmed.clone();
        with_root[0].computed_at_root = 1.0;
        with_root[0].bytes_at_realization = 8.0 * 1024.0 * 1024.0;
        assert_eq!(model.heap_reuse(&with_root).task_refault_share, 0.0);
        // With the pipeline known, a chain of blocks each read only by the next is live two at
        // a time: a quarter of eight blocks' pages fault again.
        let mut chain = AnalyticCostModel::new(2);
        let eight = task_blocks(&[285.0; 8]);
        chain.roles = (0..eight.len())
            .map(|s| StageRole {
                first_of_func: true,
                output: s + 1 == eight.len(),
                readers: vec![s + 1],
            })
            .collect();
        assert_eq!(chain.heap_reuse(&eight).task_refault_share, 0.25);
        // From stored features alone every block counts as live together (and a stage with
        // its predecessor's storage and realizations as the same Func).
        let eight_sizes = task_blocks(&[285.0, 286.0, 287.0, 288.0, 289.0, 290.0, 291.0, 292.0]);
        assert_eq!(model.heap_reuse(&eight_sizes).task_refault_share, 1.0);
        assert_eq!(model.heap_reuse(&eight).task_bytes, 285.0 * 1024.0);
        // Refaulting blocks cost their pages in each task.
        let seconds = |stages: &[StageFeatures]| -> f64 {
            let heap = model.heap_reuse(stages);
            model.stage_seconds(1, &stages[1], &heap)
        };
        assert!(seconds(&trimmed) > seconds(&task_blocks(&[407.0, 200.0])) + 1e-3);
    }
}
