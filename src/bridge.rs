//! The one boundary between Rust and the C++ glue (`halide_glue/`): every type and function that
//! crosses it is declared here, as plain data. No Halide type reaches Rust and no Rust type is
//! held by C++.
//!
//! Direction of flow: the glue exports the pipeline as a [`ffi::Dag`] and calls
//! [`ffi::autoschedule`]; Rust answers with a [`ffi::ScheduleResult`] (a [`ffi::SchedulePlan`]
//! plus the featurization bytes) or an error message that the glue raises as a Halide
//! `CompileError`. The glue then applies the plan to the Funcs and renders `.schedule.h` text.
//!
//! Expression trees ([`ffi::ExprTree`]) carry bounds and call arguments that are not reduced to
//! numbers on the C++ side. Their `Symbol` leaves are numbered by context, documented at each
//! field that holds a tree.

use crate::entry::autoschedule;

#[cxx::bridge(namespace = "hgcn")]
pub mod ffi {
    /// Operation of one node of an [`ExprTree`].
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    enum ExprOp {
        /// Integer constant in `value`.
        Const,
        /// Context-dependent symbol number `value` (see the field holding the tree).
        Symbol,
        Add,
        Sub,
        Mul,
        /// Integer division rounding toward negative infinity (Halide semantics).
        Div,
        /// Euclidean modulo (Halide semantics).
        Mod,
        Min,
        Max,
        /// `a ? b : c`, the condition evaluated as nonzero.
        Select,
        Lt,
        Le,
        Eq,
        Ne,
        And,
        Or,
        Not,
        /// Anything else (a load, a float, a call): unknown value, unknown derivative.
        Opaque,
    }

    /// One node of an expression tree. Children come before their parents in the arena; the
    /// root is the last node. Unused child slots are -1.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    struct ExprNode {
        op: ExprOp,
        a: i32,
        b: i32,
        c: i32,
        value: i64,
    }

    /// A small integer expression tree, post-order arena.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
    struct ExprTree {
        nodes: Vec<ExprNode>,
    }

    /// Inclusive interval whose ends are expression trees.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
    struct BoundTrees {
        min: ExprTree,
        max: ExprTree,
    }

    /// A Halide scalar type: `code` 0 int, 1 uint, 2 float, 3 handle (halide_type_code_t).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    struct ScalarTypeDesc {
        code: u8,
        bits: u8,
    }

    /// Estimated `min` and `extent` of one dimension.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    struct DimEstimate {
        min: i64,
        extent: i64,
    }

    /// A Func or an input buffer of the pipeline.
    #[derive(Debug, Clone)]
    struct DagFunc {
        name: String,
        /// Index for `Pipeline::get_func` (topological order); -1 for input buffers.
        pipeline_index: i32,
        /// An input buffer (ImageParam or a constant Buffer): never scheduled.
        is_input: bool,
        is_output: bool,
        /// Defined by `define_extern`: must be computed at root and cannot be analysed.
        is_extern: bool,
        /// Names of the pure dimensions, outermost last.
        dims: Vec<String>,
        /// One entry per Tuple element.
        types: Vec<ScalarTypeDesc>,
        /// For outputs and inputs: the estimated region, one entry per dimension.
        estimates: Vec<DimEstimate>,
        /// Region computed per dimension as a function of the region required.
        /// Symbols: `2*d` = required min of dimension d, `2*d+1` = required max.
        region_computed: Vec<BoundTrees>,
        /// Index of the Func's first stage in `Dag::stages`; stages are contiguous.
        first_stage: i32,
        num_stages: i32,
    }

    /// One loop of a stage, innermost first, as in Halide's default loop order.
    #[derive(Debug, Clone)]
    struct DagLoop {
        var: String,
        is_rvar: bool,
        /// For a pure var: the Func dimension it iterates (its bounds are that dimension's
        /// region computed). -1 for an RVar.
        pure_dim: i32,
        /// For an RVar: its bounds. Symbols: `2*d` / `2*d+1` = region computed min / max of
        /// the Func's dimension d (RDom bounds rarely depend on them, but may).
        rvar_bounds: BoundTrees,
    }

    /// One call site (a load) in a stage, of a Func, an input buffer, or the stage's own Func.
    #[derive(Debug, Clone)]
    struct DagLoad {
        /// Index of the called Func in `Dag::funcs`.
        callee: i32,
        /// Per callee dimension, the index expression. Symbols: `i` = value of the stage's
        /// loop `i` (innermost first).
        args: Vec<ExprTree>,
        scalar_type: ScalarTypeDesc,
    }

    /// A computation stage: the pure definition (index 0) or an update definition.
    #[derive(Debug, Clone)]
    struct DagStage {
        func: i32,
        /// 0 for the pure definition, k+1 for update k.
        index: i32,
        loops: Vec<DagLoop>,
        /// Per Func dimension, the store index (left-hand side). Symbols as in `DagLoad::args`.
        store_args: Vec<ExprTree>,
        /// Schedule-independent operation counts: `OP_KINDS x SCALAR_CLASSES`, row-major,
        /// layout defined by `pipeline_features::OpKind` and `ScalarClass`.
        op_histogram: Vec<i32>,
        /// Calls of transcendental math functions (exp, log, trig, hyperbolic; pow counts
        /// twice) whose arguments change from point to point: each is a polynomial of a few
        /// dozen operations, not the one extern call `op_histogram` counts.
        transcendental_calls: i32,
        loads: Vec<DagLoad>,
        /// The update has an RDom predicate (`where`).
        has_predicate: bool,
    }

    /// Producer Func -> consumer stage, with the footprint the consumer needs.
    #[derive(Debug, Clone)]
    struct DagEdge {
        producer: i32,
        consumer_stage: i32,
        /// Per producer dimension, the region required as a function of the consumer's loop
        /// bounds. Symbols: `2*i` = min of consumer loop i, `2*i+1` = its max.
        footprint: Vec<BoundTrees>,
        /// Number of call sites of the producer in the consumer stage.
        calls: i32,
    }

    /// What the glue knows of the compilation target.
    #[derive(Debug, Clone)]
    struct TargetDesc {
        text: String,
        /// The target has a GPU or other offload feature (cuda, opencl, metal, ...).
        has_gpu_feature: bool,
        /// Bytes in one native vector register (`natural_vector_size(UInt(8))`).
        vector_bytes: i32,
        /// Natural vector lanes per scalar class (bool, 8, 16, 32, 64-bit int, float, double).
        natural_vector_lanes: Vec<i32>,
    }

    /// The pipeline as plain data.
    #[derive(Debug, Clone)]
    struct Dag {
        funcs: Vec<DagFunc>,
        stages: Vec<DagStage>,
        edges: Vec<DagEdge>,
        target: TargetDesc,
    }

    /// Kinds of IR operation counted by the pipeline features (rows of `op_histogram`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    enum OpKind {
        Const,
        Cast,
        Variable,
        Param,
        Add,
        Sub,
        Mod,
        Mul,
        Div,
        Min,
        Max,
        Eq,
        Ne,
        Lt,
        Le,
        And,
        Or,
        Not,
        Select,
        ImageCall,
        FuncCall,
        SelfCall,
        ExternCall,
        Let,
    }

    /// Scalar type classes of the pipeline features (columns of `op_histogram`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    enum ScalarClass {
        Bool,
        Int8,
        Int16,
        Int32,
        Int64,
        Float,
        Double,
    }

    /// One `autoscheduler.*` key/value as given by the user.
    #[derive(Debug, Clone)]
    struct ParamEntry {
        key: String,
        value: String,
    }

    /// Where a Func is computed or stored.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    enum Placement {
        Inline,
        Root,
        /// At loop `loop_var` of stage `stage` (a consumer's stage).
        At,
    }

    /// Halide's tail strategies that a plan uses.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[repr(u8)]
    enum TailKind {
        Auto,
        RoundUp,
        GuardWithIf,
        ShiftInwards,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct LoopRef {
        stage: i32,
        loop_var: String,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct FuncPlan {
        func: i32,
        compute: Placement,
        compute_at: LoopRef,
        /// Root or At (ignored when `compute` is Inline). Must enclose `compute_at`.
        store: Placement,
        store_at: LoopRef,
        /// Store in `MemoryType::Stack`: Halide keeps one slot per parallel task that the task's
        /// realizations reuse (on the stack up to 16 KiB, else heap memory allocated once),
        /// instead of a malloc and free, and for large buffers fresh pages, per realization.
        store_in_stack: bool,
    }

    /// `old` split into `outer` and `inner`; each new name is `old` itself or `old` followed by
    /// a suffix (the renderer derives names from the real var at the time the schedule runs).
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct SplitPlan {
        old: String,
        outer: String,
        inner: String,
        factor: i32,
        tail: TailKind,
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct StagePlan {
        stage: i32,
        splits: Vec<SplitPlan>,
        /// Full loop order after splits, innermost first; empty keeps Halide's order.
        order: Vec<String>,
        /// Loop to vectorize (already split to the vector width), or empty.
        vectorize: String,
        parallel: Vec<String>,
        unroll: Vec<String>,
    }

    /// A complete schedule for every non-input Func and every stage.
    #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
    struct SchedulePlan {
        funcs: Vec<FuncPlan>,
        stages: Vec<StagePlan>,
    }

    /// What Rust hands back to the glue.
    #[derive(Debug, Clone, Default)]
    struct ScheduleResult {
        plan: SchedulePlan,
        featurization: Vec<u8>,
        /// A one-paragraph summary for `HL_DEBUG_AUTOSCHEDULE` logs.
        log: String,
    }

    extern "Rust" {
        /// Validate the parameters, schedule the pipeline. Errors are user-facing messages.
        fn autoschedule(dag: &Dag, params: &Vec<ParamEntry>) -> Result<ScheduleResult>;
    }
}
