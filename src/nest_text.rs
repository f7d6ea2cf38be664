//! The text form of a complete [`LoopNest`]: what the featurization records next to a
//! schedule's features, and what `autoscheduler.loop_nest=<file>` applies without searching.
//! With it a measured schedule can be featurized again after the features (or the search)
//! change, and a schedule can be inspected and edited by hand. Layout in
//! docs/featurization.md ("Loop nest").
//!
//! Reading checks the nest against the pipeline as the search would build it: every scheduled
//! Func once, its stages in order with one tile per loop, and each placement legal given its
//! consumers' (decided consumers first, as the search decides them).

use std::fmt::Write as _;

use crate::dag::Dag;
use crate::error::{Error, Result};
use crate::loop_nest::{FuncChoice, LoopNest, Placement, Site, StageTiling};

/// First line of the text.
pub const HEADER: &str = "halide-gcn loop nest 1";

fn list(values: &[i64]) -> String {
    if values.is_empty() {
        return "-".into();
    }
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The nest as text; `None` when a Func or stage name contains whitespace (the text separates
/// fields by whitespace) or a scheduled Func is undecided.
pub fn write(dag: &Dag, nest: &LoopNest) -> Option<String> {
    let mut out = format!("{HEADER}\n");
    for f in dag.scheduled_funcs() {
        let choice = nest.choice(f)?;
        let name = &dag.func(f).name;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        let placement = match choice.placement {
            Placement::Inline => "inline".to_string(),
            Placement::Root => "root".to_string(),
            Placement::At(site) => format!(
                "at {} {}{}",
                dag.stage_name(site.stage),
                site.depth,
                if site.slides() { " slides" } else { "" }
            ),
        };
        writeln!(out, "func {name} {placement}").ok()?;
        for (s, tiling) in dag.stages_of(f).zip(&choice.stages) {
            let vector = match tiling.vector {
                Some((l, lanes)) => format!("{l}x{lanes}"),
                None => "-".into(),
            };
            let parallel: Vec<i64> = tiling.parallel.iter().map(|&l| l as i64).collect();
            writeln!(
                out,
                "  stage {} tile {} block {} vector {} parallel {}",
                dag.stage_name(s),
                list(&tiling.tile),
                tiling
                    .block
                    .as_deref()
                    .map(list)
                    .unwrap_or_else(|| "-".into()),
                vector,
                list(&parallel)
            )
            .ok()?;
        }
    }
    Some(out)
}

/// An error at a line of the text.
fn bad(line: usize, why: impl std::fmt::Display) -> Error {
    Error::Param(format!("loop nest, line {line}: {why}"))
}

fn parse_list(line: usize, what: &str, token: &str) -> Result<Vec<i64>> {
    if token == "-" {
        return Ok(Vec::new());
    }
    token
        .split(',')
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                bad(
                    line,
                    format!("{what} must be integers separated by commas, got '{token}'"),
                )
            })
        })
        .collect()
}

/// The value after `key` at `tokens[at]`.
fn field<'a>(line: usize, tokens: &[&'a str], at: usize, key: &str) -> Result<&'a str> {
    match (tokens.get(at), tokens.get(at + 1)) {
        (Some(&k), Some(&v)) if k == key => Ok(v),
        _ => Err(bad(
            line,
            format!("expected `{key} <value>` as field {}", at / 2 + 1),
        )),
    }
}

/// One `stage` line's tiling, checked against the stage's loops.
fn parse_stage(dag: &Dag, s: usize, line: usize, tokens: &[&str]) -> Result<StageTiling> {
    let expected = dag.stage_name(s);
    if tokens.len() != 10 || tokens[0] != "stage" {
        return Err(bad(
            line,
            format!("expected `stage {expected} tile .. block .. vector .. parallel ..`"),
        ));
    }
    if tokens[1] != expected {
        return Err(bad(
            line,
            format!("stage `{}` where `{expected}` comes next", tokens[1]),
        ));
    }
    let loops = &dag.stage(s).loops;
    let n = loops.len();
    let tile = parse_list(line, "tile", field(line, tokens, 2, "tile")?)?;
    let block = match field(line, tokens, 4, "block")? {
        "-" => None,
        text => Some(parse_list(line, "block", text)?),
    };
    let vector = match field(line, tokens, 6, "vector")? {
        "-" => None,
        text => {
            let parsed = text.split_once('x').and_then(|(l, lanes)| {
                Some((l.parse::<usize>().ok()?, lanes.parse::<i64>().ok()?))
            });
            match parsed {
                Some((l, lanes)) if l < n && !loops[l].is_rvar && lanes >= 1 => Some((l, lanes)),
                _ => {
                    return Err(bad(
                        line,
                        format!("vector must be `-` or <pure loop>x<lanes> of this stage's {n} loops, got '{text}'"),
                    ))
                }
            }
        }
    };
    let parallel = parse_list(line, "parallel", field(line, tokens, 8, "parallel")?)?;
    if tile.len() != n || block.as_ref().is_some_and(|b| b.len() != n) {
        return Err(bad(
            line,
            format!("`{expected}` has {n} loops: tile and block need {n} extents each"),
        ));
    }
    for (l, lp) in loops.iter().enumerate() {
        let blk = block.as_ref().map(|b| b[l]).unwrap_or(1);
        if tile[l] < 1 || blk < 1 {
            return Err(bad(
                line,
                format!("extents must be positive (loop {l}, `{}`)", lp.var),
            ));
        }
        if lp.is_rvar && (tile[l] != 1 || blk != 1) {
            return Err(bad(
                line,
                format!("loop {l} (`{}`) is an RVar: it cannot be tiled", lp.var),
            ));
        }
    }
    let mut parallel_loops = Vec::with_capacity(parallel.len());
    for &l in &parallel {
        if l < 0 || l as usize >= n || loops[l as usize].is_rvar {
            return Err(bad(
                line,
                format!("parallel loop {l} is not a pure loop of `{expected}`"),
            ));
        }
        parallel_loops.push(l as usize);
    }
    Ok(StageTiling {
        tile,
        block,
        vector,
        parallel: parallel_loops,
    })
}

/// A `func` line's placement (sites by stage name, checked for legality later).
fn parse_placement(dag: &Dag, line: usize, tokens: &[&str]) -> Result<Placement> {
    match tokens {
        [_, _, "inline"] => Ok(Placement::Inline),
        [_, _, "root"] => Ok(Placement::Root),
        [_, _, "at", stage, depth, rest @ ..] if rest.is_empty() || rest == ["slides"] => {
            let s = (0..dag.raw.stages.len())
                .find(|&s| dag.stage_name(s) == *stage)
                .ok_or_else(|| bad(line, format!("no stage `{stage}` in this pipeline")))?;
            let depth: u8 = depth
                .parse()
                .map_err(|_| bad(line, format!("site depth must be a small integer, got '{depth}'")))?;
            let slides = !rest.is_empty();
            if slides && depth == 0 {
                return Err(bad(line, "a site at depth 0 has no loop to slide along"));
            }
            Ok(Placement::At(Site {
                stage: s,
                depth,
                store_depth: depth - slides as u8,
            }))
        }
        _ => Err(bad(
            line,
            "expected `func <name> inline`, `func <name> root` or `func <name> at <stage> <depth> [slides]`",
        )),
    }
}

/// Parses `text` for the pipeline `dag` and checks that it is a complete, legal nest.
pub fn read(dag: &Dag, text: &str) -> Result<LoopNest> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split('#').next().unwrap_or("").trim()))
        .filter(|(_, l)| !l.is_empty());
    match lines.next() {
        Some((_, HEADER)) => {}
        Some((line, other)) => {
            return Err(bad(
                line,
                format!("expected the header `{HEADER}`, got '{other}'"),
            ))
        }
        None => return Err(Error::Param("loop nest: the text is empty".into())),
    }
    let mut parsed: Vec<Option<(usize, FuncChoice)>> = vec![None; dag.raw.funcs.len()];
    let mut lines = lines.peekable();
    while let Some((line, text)) = lines.next() {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        if tokens.first() != Some(&"func") || tokens.len() < 3 {
            return Err(bad(line, format!("expected a `func` line, got '{text}'")));
        }
        let name = tokens[1];
        let f = dag
            .scheduled_funcs()
            .find(|&f| dag.func(f).name == name)
            .ok_or_else(|| bad(line, format!("no scheduled Func `{name}` in this pipeline")))?;
        if parsed[f].is_some() {
            return Err(bad(line, format!("Func `{name}` appears twice")));
        }
        let placement = parse_placement(dag, line, &tokens)?;
        let mut stages = Vec::new();
        if placement != Placement::Inline {
            for s in dag.stages_of(f) {
                let Some((stage_line, stage_text)) = lines.next_if(|(_, t)| t.starts_with("stage"))
                else {
                    return Err(bad(
                        line,
                        format!(
                            "Func `{name}` needs a `stage` line for `{}`",
                            dag.stage_name(s)
                        ),
                    ));
                };
                let tokens: Vec<&str> = stage_text.split_whitespace().collect();
                let tiling = parse_stage(dag, s, stage_line, &tokens)?;
                if placement != Placement::Root && !tiling.parallel.is_empty() {
                    return Err(bad(
                        stage_line,
                        "only stages computed at root run loops in parallel",
                    ));
                }
                stages.push(tiling);
            }
        }
        if let Some((extra, _)) = lines.next_if(|(_, t)| t.starts_with("stage")) {
            return Err(bad(
                extra,
                format!("Func `{name}` has {} stage(s) with tilings", stages.len()),
            ));
        }
        parsed[f] = Some((line, FuncChoice { placement, stages }));
    }
    // Consumers first, as the search decides: each placement must be one the search could
    // have made with the consumers placed as they are.
    let mut nest = LoopNest::new(dag);
    for f in dag.scheduled_funcs().rev() {
        let name = &dag.func(f).name;
        let Some((line, choice)) = parsed[f].take() else {
            return Err(Error::Param(format!(
                "loop nest: no `func` line for `{name}`"
            )));
        };
        let legal = match choice.placement {
            Placement::Inline => LoopNest::can_inline(dag, f),
            Placement::Root => true,
            Placement::At(_) if dag.func(f).is_extern => false,
            at => nest.placements(dag, f).contains(&at),
        };
        if !legal {
            return Err(bad(
                line,
                format!("`{name}` cannot be placed there given where its consumers are"),
            ));
        }
        nest.choices[f] = Some(choice);
    }
    Ok(nest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bounds::root_bounds;
    use crate::cost_model::CostModel;
    use crate::params::Params;
    use crate::test_dags::{stencil_nest, stencil_pair, three_dimensional_output};

    #[test]
    fn a_searched_nest_reads_back_as_itself() {
        for dag in [stencil_pair(), three_dimensional_output()] {
            let root = root_bounds(&dag).unwrap();
            let params = Params {
                parallelism: 4,
                ..Params::default()
            };
            let mut model = crate::analytic::AnalyticCostModel::new(4);
            let model: &mut dyn CostModel = &mut model;
            let nest = crate::search::beam_search(&dag, &root, &params, model)
                .unwrap()
                .nest;
            let text = write(&dag, &nest).expect("plain names");
            assert_eq!(read(&dag, &text).unwrap(), nest, "{text}");
        }
    }

    #[test]
    fn every_placement_kind_round_trips() {
        let dag = stencil_pair();
        for placement in [
            Placement::Root,
            Placement::At(Site::new(1, 0)),
            Placement::At(Site::new(1, 1)),
            Placement::At(Site {
                stage: 1,
                depth: 1,
                store_depth: 0,
            }),
        ] {
            let nest = stencil_nest(&dag, placement);
            let text = write(&dag, &nest).unwrap();
            assert_eq!(read(&dag, &text).unwrap(), nest, "{text}");
        }
    }

    fn error_of(text: &str) -> String {
        read(&stencil_pair(), text).unwrap_err().to_string()
    }

    #[test]
    fn malformed_or_illegal_nests_are_refused_with_the_line() {
        let dag = stencil_pair();
        let good = write(&dag, &stencil_nest(&dag, Placement::At(Site::new(1, 1)))).unwrap();
        assert!(error_of("").contains("empty"));
        assert!(error_of("halide-gcn loop nest 9\n").contains("line 1: expected the header"));
        // Every Func must be there.
        let first_func_only: String = good.lines().take(3).map(|l| format!("{l}\n")).collect();
        let e = error_of(&first_func_only);
        assert!(e.contains("no `func` line"), "{e}\n{first_func_only}");
        // A tile per loop, positive.
        let e = error_of(&good.replacen("tile ", "tile 0,", 1));
        assert!(
            e.contains("tile and block need") || e.contains("positive"),
            "{e}"
        );
        // A Func computed inside its own consumer's consumer that does not exist.
        let e = error_of(&good.replace(" at g ", " at nowhere "));
        assert!(e.contains("no stage `nowhere`"), "{e}\n{good}");
        // The consumer computed inside its producer: not a legal placement.
        let swapped = format!("{HEADER}\nfunc f root\n  stage f tile 1,1 block - vector - parallel -\nfunc g at f 0\n  stage g tile 1,1 block - vector - parallel -\n");
        let e = error_of(&swapped);
        assert!(e.contains("cannot be placed there"), "{e}");
        // Unknown Func, duplicate Func.
        assert!(error_of(&good.replacen("func f ", "func nope ", 1))
            .contains("no scheduled Func `nope`"));
        let twice = format!(
            "{good}{}",
            good.lines()
                .skip(1)
                .take(2)
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        assert!(error_of(&twice).contains("appears twice"));
    }
}
