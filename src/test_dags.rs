//! Small synthetic Dags for unit tests of the bounds, the tilings and the features, built
//! directly (no Halide): mostly two 64x64 Funcs, `f` feeding the output `g` through a 3-tap
//! stencil, and variations.

use crate::bridge::ffi;
use crate::dag::Dag;
use crate::loop_nest::{FuncChoice, LoopNest, Placement, StageTiling};

/// `symbol + offset` as an exported tree.
pub fn shifted(symbol: i64, offset: i64) -> ffi::ExprTree {
    let node = |op, a, b, value| ffi::ExprNode {
        op,
        a,
        b,
        c: -1,
        value,
    };
    ffi::ExprTree {
        nodes: vec![
            node(ffi::ExprOp::Symbol, -1, -1, symbol),
            node(ffi::ExprOp::Const, -1, -1, offset),
            node(ffi::ExprOp::Add, 0, 1, 0),
        ],
    }
}

pub fn pair(min_symbol: i64, min_offset: i64, max_offset: i64) -> ffi::BoundTrees {
    ffi::BoundTrees {
        min: shifted(min_symbol, min_offset),
        max: shifted(min_symbol + 1, max_offset),
    }
}

pub fn func(name: &str, index: i32, output: bool) -> ffi::DagFunc {
    ffi::DagFunc {
        name: name.into(),
        pipeline_index: index,
        is_input: false,
        is_output: output,
        is_extern: false,
        dims: vec!["x".into(), "y".into()],
        types: vec![ffi::ScalarTypeDesc { code: 2, bits: 32 }],
        estimates: if output {
            vec![ffi::DimEstimate { min: 0, extent: 64 }; 2]
        } else {
            Vec::new()
        },
        region_computed: vec![pair(0, 0, 0), pair(2, 0, 0)],
        first_stage: index,
        num_stages: 1,
    }
}

pub fn stage(f: i32) -> ffi::DagStage {
    let lp = |var: &str, d| ffi::DagLoop {
        var: var.into(),
        is_rvar: false,
        pure_dim: d,
        rvar_bounds: Default::default(),
    };
    ffi::DagStage {
        func: f,
        index: 0,
        loops: vec![lp("x", 0), lp("y", 1)],
        store_args: vec![shifted(0, 0), shifted(1, 0)],
        op_histogram: vec![0; crate::pipeline_features::NUM_OP_FEATURES],
        loads: Vec::new(),
        transcendental_calls: 0,
        has_predicate: false,
    }
}

/// f feeds g through a 3-tap horizontal stencil; g is the 64x64 output.
pub fn stencil_pair() -> Dag {
    stencil_along(0)
}

/// f feeds g through a 3-tap stencil along dimension `dim`; g is the 64x64 output.
pub fn stencil_along(dim: usize) -> Dag {
    let mut footprint = vec![pair(0, 0, 0), pair(2, 0, 0)];
    footprint[dim] = pair(2 * dim as i64, -1, 1);
    Dag::new(ffi::Dag {
        funcs: vec![func("f", 0, false), func("g", 1, true)],
        stages: vec![stage(0), stage(1)],
        edges: vec![ffi::DagEdge {
            producer: 0,
            consumer_stage: 1,
            footprint,
            calls: 3,
        }],
        target: target(),
    })
    .unwrap()
}

/// A 32-byte-vector target.
fn target() -> ffi::TargetDesc {
    ffi::TargetDesc {
        text: "test".into(),
        has_gpu_feature: false,
        vector_bytes: 32,
        natural_vector_lanes: vec![32, 32, 16, 8, 4, 8, 4],
    }
}

/// g tiled 8x8 at root, f placed at `f_placement`.
pub fn stencil_nest(dag: &Dag, f_placement: Placement) -> LoopNest {
    let tiling = |tile: Vec<i64>| StageTiling {
        tile,
        block: None,
        vector: None,
        parallel: Vec::new(),
    };
    let mut nest = LoopNest::new(dag);
    nest.choices[1] = Some(FuncChoice {
        placement: Placement::Root,
        stages: vec![tiling(vec![8, 8])],
    });
    nest.choices[0] = Some(FuncChoice {
        placement: f_placement,
        stages: vec![tiling(vec![1, 1])],
    });
    nest
}

/// `stencil_pair` with g's three loads of f written out (`f(x - 1, y)`, `f(x, y)`,
/// `f(x + 1, y)`), for the load features.
pub fn stencil_with_loads() -> Dag {
    let mut raw = stencil_pair().raw;
    raw.stages[1].loads = (-1..=1)
        .map(|dx| ffi::DagLoad {
            callee: 0,
            args: vec![shifted(0, dx), shifted(1, 0)],
            scalar_type: ffi::ScalarTypeDesc { code: 2, bits: 32 },
        })
        .collect();
    Dag::new(raw).unwrap()
}

fn edge(
    producer: i32,
    consumer_stage: i32,
    footprint: Vec<ffi::BoundTrees>,
    calls: i32,
) -> ffi::DagEdge {
    ffi::DagEdge {
        producer,
        consumer_stage,
        footprint,
        calls,
    }
}

/// Funcs `a`, `f` and the 64x64 output `g` (0, 1, 2), one stage each, joined by `edges`.
fn three_funcs(edges: Vec<ffi::DagEdge>) -> Dag {
    Dag::new(ffi::Dag {
        funcs: vec![func("a", 0, false), func("f", 1, false), func("g", 2, true)],
        stages: vec![stage(0), stage(1), stage(2)],
        edges,
        target: target(),
    })
    .unwrap()
}

/// A three-Func chain: `a` feeds `f` pointwise, `f` feeds the 64x64 output `g` through a
/// vertical 3-tap stencil.
pub fn pointwise_then_vertical_stencil() -> Dag {
    three_funcs(vec![
        edge(0, 1, vec![pair(0, 0, 0), pair(2, 0, 0)], 1),
        edge(1, 2, vec![pair(0, 0, 0), pair(2, -1, 1)], 3),
    ])
}

/// An input-like Func `a` read twice: by `f` pointwise, and by the 64x64 output `g` pointwise
/// beside its vertical 3-tap stencil of f (unsharp_mask's input, read by its luminance and by
/// the output).
pub fn shared_producer() -> Dag {
    three_funcs(vec![
        edge(0, 1, vec![pair(0, 0, 0), pair(2, 0, 0)], 1),
        edge(0, 2, vec![pair(0, 0, 0), pair(2, 0, 0)], 1),
        edge(1, 2, vec![pair(0, 0, 0), pair(2, -1, 1)], 3),
    ])
}

/// A 4-entry table `t` (Func 0) and `f` (Func 1) both read by the 64x64 output `g` (Func 2):
/// f through a horizontal 3-tap stencil, t at constant indices (`t(0) .. t(3)`, as a blur
/// reads its kernel).
pub fn stencil_and_table() -> Dag {
    let constant = |value| ffi::ExprTree {
        nodes: vec![ffi::ExprNode {
            op: ffi::ExprOp::Const,
            a: -1,
            b: -1,
            c: -1,
            value,
        }],
    };
    let mut table = func("t", 0, false);
    table.dims.truncate(1);
    table.region_computed.truncate(1);
    let mut table_stage = stage(0);
    table_stage.loops.truncate(1);
    table_stage.store_args.truncate(1);
    Dag::new(ffi::Dag {
        funcs: vec![table, func("f", 1, false), func("g", 2, true)],
        stages: vec![table_stage, stage(1), stage(2)],
        edges: vec![
            ffi::DagEdge {
                producer: 0,
                consumer_stage: 2,
                footprint: vec![ffi::BoundTrees {
                    min: constant(0),
                    max: constant(3),
                }],
                calls: 4,
            },
            ffi::DagEdge {
                producer: 1,
                consumer_stage: 2,
                footprint: vec![pair(0, -1, 1), pair(2, 0, 0)],
                calls: 3,
            },
        ],
        target: target(),
    })
    .unwrap()
}

/// A colour image: the output `g(x, y, c)` alone (its estimates 64 x 64 x 3).
pub fn three_dimensional_output() -> Dag {
    let mut g = func("g", 0, true);
    g.dims.push("c".into());
    g.estimates.push(ffi::DimEstimate { min: 0, extent: 3 });
    g.region_computed.push(pair(4, 0, 0));
    let mut s = stage(0);
    s.loops.push(ffi::DagLoop {
        var: "c".into(),
        is_rvar: false,
        pure_dim: 2,
        rvar_bounds: Default::default(),
    });
    s.store_args.push(shifted(2, 0));
    Dag::new(ffi::Dag {
        funcs: vec![g],
        stages: vec![s],
        edges: Vec::new(),
        target: target(),
    })
    .unwrap()
}

/// `stencil_pair` with g reading f through a boundary condition the way Halide bounds it: a
/// tile whose taps cross either border of the 64 columns needs the whole row of f (as a
/// mirrored or wrapped index does), any other tile its own columns and one on each side.
pub fn stencil_through_a_boundary() -> Dag {
    let node = |op, a, b, c, value| ffi::ExprNode { op, a, b, c, value };
    type Op = ffi::ExprOp;
    // Symbols 0 and 1: the min and max of g's x loop.
    let crossing = vec![
        node(Op::Symbol, -1, -1, -1, 0),
        node(Op::Const, -1, -1, -1, -1),
        node(Op::Add, 0, 1, -1, 0), // 2: x_min - 1
        node(Op::Const, -1, -1, -1, 0),
        node(Op::Lt, 2, 3, -1, 0), // 4: x_min - 1 < 0
        node(Op::Symbol, -1, -1, -1, 1),
        node(Op::Const, -1, -1, -1, 1),
        node(Op::Add, 5, 6, -1, 0), // 7: x_max + 1
        node(Op::Const, -1, -1, -1, 63),
        node(Op::Lt, 8, 7, -1, 0), // 9: 63 < x_max + 1
        node(Op::Or, 4, 9, -1, 0), // 10: the taps cross a border
    ];
    let bound = |whole: i32, own: i32| {
        let mut nodes = crossing.clone();
        nodes.push(node(Op::Select, 10, whole, own, 0));
        ffi::ExprTree { nodes }
    };
    let mut dag = stencil_pair().raw;
    dag.edges[0].footprint[0] = ffi::BoundTrees {
        min: bound(3, 2),
        max: bound(8, 7),
    };
    Dag::new(dag).unwrap()
}

/// A chain of `n` Funcs, each the output's producer through the next: `f{k+1}` reads `f{k}`
/// through a 3-tap horizontal stencil and adds (one add per point); the last is the 64x64
/// output. Inlined into each other, the expression triples per Func.
pub fn stencil_chain(n: usize) -> Dag {
    use crate::pipeline_features::{OP_KIND_NAMES, SCALAR_CLASS_NAMES};
    let add = OP_KIND_NAMES
        .iter()
        .position(|k| *k == "add")
        .expect("add is an op kind");
    let stages = (0..n)
        .map(|k| {
            let mut s = stage(k as i32);
            s.op_histogram[add * SCALAR_CLASS_NAMES.len()] = 1;
            s
        })
        .collect();
    Dag::new(ffi::Dag {
        funcs: (0..n)
            .map(|k| func(&format!("f{k}"), k as i32, k + 1 == n))
            .collect(),
        stages,
        edges: (1..n)
            .map(|k| ffi::DagEdge {
                producer: k as i32 - 1,
                consumer_stage: k as i32,
                footprint: vec![pair(0, -1, 1), pair(2, 0, 0)],
                calls: 3,
            })
            .collect(),
        target: target(),
    })
    .unwrap()
}
