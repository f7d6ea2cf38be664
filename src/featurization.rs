//! The featurization blob (`-e featurization`): the stage graph of a pipeline with per-stage
//! pipeline features and the chosen schedule's per-stage features, for training data.
//!
//! Versioned little-endian binary, self-describing (it carries the feature names, so a later
//! version with more columns is still readable). The layout is specified in
//! docs/featurization.md; [`Featurization::to_bytes`] and [`Featurization::from_bytes`] are the
//! writer and the reader.

use crate::error::{Error, Result};

pub const MAGIC: &[u8; 8] = b"HGCNFEAT";
/// The version written; version 1 (without the loop nest) is still read.
pub const VERSION: u32 = 2;

/// How two stages are related by an edge of the stage graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// The producer Func's last stage feeds the consumer stage.
    Dataflow = 0,
    /// Consecutive stages of one Func (pure definition, then each update).
    StageOrder = 1,
}

/// A directed edge between stage indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StageEdge {
    pub from: u32,
    pub to: u32,
    pub kind: EdgeKind,
}

/// One stage: its identity and its two feature rows.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRecord {
    pub name: String,
    /// Index of the Func for `Pipeline::get_func`.
    pub func: i32,
    /// 0 for the pure definition, k+1 for update k.
    pub stage_index: i32,
    pub pipeline_features: Vec<f32>,
    pub schedule_features: Vec<f32>,
}

/// A whole featurization.
#[derive(Debug, Clone, PartialEq)]
pub struct Featurization {
    pub pipeline_feature_names: Vec<String>,
    pub schedule_feature_names: Vec<String>,
    pub stages: Vec<StageRecord>,
    pub edges: Vec<StageEdge>,
    /// The schedule these features describe, as [`crate::nest_text`] writes it; empty when not
    /// recorded (version 1, or names the text cannot hold).
    pub loop_nest: String,
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| {
                Error::Featurization(format!(
                    "truncated: {what} at byte {} runs past the end ({} bytes)",
                    self.at,
                    self.bytes.len()
                ))
            })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4, what)?.try_into().unwrap()))
    }

    fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_le_bytes(self.take(4, what)?.try_into().unwrap()))
    }

    fn count(&mut self, what: &str, item_bytes: usize) -> Result<usize> {
        let n = self.u32(what)? as usize;
        // Every item takes at least `item_bytes`: a count the rest cannot hold is corrupt.
        if n.saturating_mul(item_bytes) > self.bytes.len() - self.at {
            return Err(Error::Featurization(format!(
                "corrupt: {what} = {n} does not fit in the remaining bytes"
            )));
        }
        Ok(n)
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let n = self.u32(what)? as usize;
        let bytes = self.take(n, what)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::Featurization(format!("corrupt: {what} is not UTF-8")))
    }

    fn f32s(&mut self, n: usize, what: &str) -> Result<Vec<f32>> {
        let bytes = self.take(n * 4, what)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect())
    }
}

impl Featurization {
    /// Serializes to the current layout.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        put_u32(&mut out, VERSION);
        for names in [&self.pipeline_feature_names, &self.schedule_feature_names] {
            put_u32(&mut out, names.len() as u32);
            for name in names {
                put_str(&mut out, name);
            }
        }
        put_u32(&mut out, self.stages.len() as u32);
        for stage in &self.stages {
            put_str(&mut out, &stage.name);
            out.extend_from_slice(&stage.func.to_le_bytes());
            out.extend_from_slice(&stage.stage_index.to_le_bytes());
            for v in stage
                .pipeline_features
                .iter()
                .chain(&stage.schedule_features)
            {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        put_u32(&mut out, self.edges.len() as u32);
        for edge in &self.edges {
            put_u32(&mut out, edge.from);
            put_u32(&mut out, edge.to);
            out.push(edge.kind as u8);
        }
        put_str(&mut out, &self.loop_nest);
        out
    }

    /// Parses a blob, checking magic, version, every length and every edge index.
    pub fn from_bytes(bytes: &[u8]) -> Result<Featurization> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(8, "magic")? != MAGIC {
            return Err(Error::Featurization(
                "not a halide-gcn featurization (bad magic)".into(),
            ));
        }
        let version = r.u32("version")?;
        if !(1..=VERSION).contains(&version) {
            return Err(Error::Featurization(format!(
                "unsupported version {version} (this reader reads 1 to {VERSION})"
            )));
        }
        let mut name_lists = Vec::new();
        for what in ["pipeline feature names", "schedule feature names"] {
            let n = r.count(what, 4)?;
            name_lists.push((0..n).map(|_| r.string(what)).collect::<Result<Vec<_>>>()?);
        }
        let schedule_feature_names = name_lists.pop().unwrap();
        let pipeline_feature_names = name_lists.pop().unwrap();
        let (p, s) = (pipeline_feature_names.len(), schedule_feature_names.len());
        let num_stages = r.count("stage count", 12 + 4 * (p + s))?;
        let mut stages = Vec::with_capacity(num_stages);
        for _ in 0..num_stages {
            stages.push(StageRecord {
                name: r.string("stage name")?,
                func: r.i32("stage func")?,
                stage_index: r.i32("stage index")?,
                pipeline_features: r.f32s(p, "pipeline features")?,
                schedule_features: r.f32s(s, "schedule features")?,
            });
        }
        let num_edges = r.count("edge count", 9)?;
        let mut edges = Vec::with_capacity(num_edges);
        for _ in 0..num_edges {
            let from = r.u32("edge source")?;
            let to = r.u32("edge target")?;
            let kind = match r.take(1, "edge kind")?[0] {
                0 => EdgeKind::Dataflow,
                1 => EdgeKind::StageOrder,
                k => {
                    return Err(Error::Featurization(format!(
                        "corrupt: unknown edge kind {k}"
                    )))
                }
            };
            if from as usize >= num_stages || to as usize >= num_stages {
                return Err(Error::Featurization(format!(
                    "corrupt: edge {from}->{to} with {num_stages} stages"
                )));
            }
            edges.push(StageEdge { from, to, kind });
        }
        let loop_nest = if version >= 2 {
            r.string("loop nest")?
        } else {
            String::new()
        };
        if r.at != bytes.len() {
            return Err(Error::Featurization(format!(
                "{} trailing bytes",
                bytes.len() - r.at
            )));
        }
        Ok(Featurization {
            pipeline_feature_names,
            schedule_feature_names,
            stages,
            edges,
            loop_nest,
        })
    }
}
