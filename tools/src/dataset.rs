//! The training-data format (docs/dataset.md, version 1): a header, then one record per
//! sample, each length-prefixed and CRC-checked, so that an append cut short by a crash is
//! recognised and dropped. The collector appends and syncs one sample at a time
//! ([`DatasetWriter`]); readers take the file plain or gzip-compressed ([`read_dataset`]).

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// First bytes of every dataset file.
pub const MAGIC: &[u8; 8] = b"HGCNDATA";
/// The format version this code reads and writes.
pub const VERSION: u32 = 1;
const HEADER_BYTES: u64 = 12;
/// Largest record accepted (a featurization of a few hundred stages is far below).
const MAX_RECORD_BYTES: u32 = 64 << 20;

/// One benchmarked schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Which pipeline: `random_pipeline seed=<n>` or `bench <name>`.
    pub pipeline: String,
    /// Which schedule of it: the Gcn parameters that produced it, e.g. `beam_size=32` or
    /// `beam_size=1 random_dropout=20 random_dropout_seed=7`.
    pub schedule: String,
    /// Best run time over the repeats, milliseconds.
    pub run_time_ms: f64,
    /// Median over the repeats, milliseconds.
    pub median_ms: f64,
    /// (slowest - fastest) / fastest over the repeats.
    pub spread: f64,
    /// Timed repeats (each RunGen's best of its own iterations).
    pub repeats: u32,
    /// Threads the pipeline ran on (HL_NUM_THREADS, = the search's `parallelism`).
    pub threads: u32,
    /// True when the spread stayed above the collector's threshold after re-measuring.
    pub noisy: bool,
    /// The machine: CPU model and core count.
    pub machine: String,
    /// The schedule's featurization (docs/featurization.md).
    pub featurization: Vec<u8>,
}

impl Sample {
    /// The identity of a sample within a dataset.
    pub fn key(&self) -> (String, String) {
        (self.pipeline.clone(), self.schedule.clone())
    }
}

fn encode_record(sample: &Sample) -> Result<Vec<u8>, String> {
    let payload = postcard::to_allocvec(sample).map_err(|e| format!("cannot encode: {e}"))?;
    let mut record = Vec::with_capacity(payload.len() + 8);
    record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    record.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    record.extend_from_slice(&payload);
    Ok(record)
}

fn check_header(bytes: &[u8], what: &str) -> Result<(), String> {
    if bytes.is_empty() {
        return Err(format!("{what}: the file is empty (no dataset header)"));
    }
    if bytes.len() < HEADER_BYTES as usize || &bytes[..8] != MAGIC {
        return Err(format!(
            "{what}: not a halide-gcn dataset (no {MAGIC:?} header)"
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(format!(
            "{what}: dataset format version {version}, this tool reads version {VERSION}"
        ));
    }
    Ok(())
}

/// Records of a dataset body: the samples, and the offset where the last complete, intact
/// record ends (less than the length when the tail is cut short or damaged).
fn parse_records(bytes: &[u8]) -> (Vec<Sample>, usize, Option<String>) {
    let mut samples = Vec::new();
    let mut at = HEADER_BYTES as usize;
    while at < bytes.len() {
        let problem = |what: &str| Some(format!("{what} at byte {at}"));
        if bytes.len() - at < 8 {
            return (samples, at, problem("a truncated record header"));
        }
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let crc = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes"));
        if len > MAX_RECORD_BYTES || bytes.len() - at - 8 < len as usize {
            return (samples, at, problem("a truncated record"));
        }
        let payload = &bytes[at + 8..at + 8 + len as usize];
        if crc32fast::hash(payload) != crc {
            return (samples, at, problem("a damaged record (checksum mismatch)"));
        }
        match postcard::from_bytes::<Sample>(payload) {
            Ok(sample) => samples.push(sample),
            Err(e) => {
                return (
                    samples,
                    at,
                    problem(&format!("an undecodable record ({e})")),
                )
            }
        }
        at += 8 + len as usize;
    }
    (samples, at, None)
}

/// Reads every sample; `path` may be gzip-compressed. A truncated or damaged record is an
/// error (use [`DatasetWriter::open`] to repair a file a crash left behind).
pub fn read_dataset(path: &Path) -> Result<Vec<Sample>, String> {
    let what = path.display().to_string();
    let mut raw = Vec::new();
    File::open(path)
        .and_then(|mut f| f.read_to_end(&mut raw))
        .map_err(|e| format!("{what}: cannot read: {e}"))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(|e| format!("{what}: damaged gzip stream: {e}"))?;
        out
    } else {
        raw
    };
    check_header(&bytes, &what)?;
    let (samples, _, problem) = parse_records(&bytes);
    match problem {
        Some(p) => Err(format!("{what}: {p}")),
        None => Ok(samples),
    }
}

/// Writes `samples` as a gzip-compressed dataset.
pub fn write_compressed(path: &Path, samples: &[Sample]) -> Result<(), String> {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    for sample in samples {
        bytes.extend(encode_record(sample)?);
    }
    let tmp = path.with_extension("tmp");
    let file = File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::best());
    gz.write_all(&bytes)
        .and_then(|_| gz.finish())
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Appends samples to an uncompressed dataset, one synced record at a time.
pub struct DatasetWriter {
    file: File,
    keys: HashSet<(String, String)>,
    /// Samples already in the file when it was opened.
    pub existing: usize,
}

impl DatasetWriter {
    /// Opens `path` for appending, creating it with a header if absent. A tail that a crash
    /// left incomplete or damaged is cut off (reported in `repaired`).
    pub fn open(path: &Path) -> Result<(DatasetWriter, Option<String>), String> {
        let what = path.display().to_string();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| format!("{what}: cannot open: {e}"))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| format!("{what}: cannot read: {e}"))?;
        let mut repaired = None;
        let (samples, good_end) = if bytes.len() < HEADER_BYTES as usize
            && MAGIC.starts_with(&bytes[..bytes.len().min(8)])
        {
            // New, or killed while writing the header.
            file.set_len(0).map_err(|e| e.to_string())?;
            file.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
            file.write_all(MAGIC)
                .and_then(|_| file.write_all(&VERSION.to_le_bytes()))
                .and_then(|_| file.sync_data())
                .map_err(|e| format!("{what}: cannot write the header: {e}"))?;
            (Vec::new(), HEADER_BYTES as usize)
        } else {
            check_header(&bytes, &what)?;
            let (samples, end, problem) = parse_records(&bytes);
            if let Some(p) = problem {
                repaired = Some(format!(
                    "{what}: dropped {} bytes after the last intact record ({p})",
                    bytes.len() - end
                ));
            }
            (samples, end)
        };
        file.set_len(good_end as u64)
            .and_then(|_| file.seek(SeekFrom::Start(good_end as u64)).map(|_| ()))
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("{what}: cannot repair: {e}"))?;
        let keys = samples.iter().map(Sample::key).collect();
        Ok((
            DatasetWriter {
                file,
                keys,
                existing: samples.len(),
            },
            repaired,
        ))
    }

    pub fn contains(&self, pipeline: &str, schedule: &str) -> bool {
        self.keys
            .contains(&(pipeline.to_string(), schedule.to_string()))
    }

    /// Appends one sample and syncs it to disk; a sample already present is an error.
    pub fn append(&mut self, sample: &Sample) -> Result<(), String> {
        if !self.keys.insert(sample.key()) {
            return Err(format!(
                "sample {} / {} is already in the dataset",
                sample.pipeline, sample.schedule
            ));
        }
        let record = encode_record(sample)?;
        self.file
            .write_all(&record)
            .and_then(|_| self.file.sync_data())
            .map_err(|e| format!("cannot append a sample: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(k: u32) -> Sample {
        Sample {
            pipeline: format!("random_pipeline seed={k}"),
            schedule: "beam_size=32".into(),
            run_time_ms: 1.5 + k as f64,
            median_ms: 1.6 + k as f64,
            spread: 0.01,
            repeats: 5,
            threads: 2,
            noisy: false,
            machine: "test cpu, 2 cores".into(),
            featurization: vec![k as u8; 100 + k as usize],
        }
    }

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("hgcn-dataset-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("data.hgds")
    }

    #[test]
    fn samples_round_trip_plain_and_compressed() {
        let path = temp("roundtrip");
        let _ = std::fs::remove_file(&path);
        let (mut w, repaired) = DatasetWriter::open(&path).unwrap();
        assert!(repaired.is_none());
        let samples: Vec<Sample> = (0..5).map(sample).collect();
        for s in &samples {
            w.append(s).unwrap();
        }
        assert!(w.append(&samples[0]).is_err(), "a duplicate was appended");
        drop(w);
        assert_eq!(read_dataset(&path).unwrap(), samples);
        let gz = path.with_extension("hgds.gz");
        write_compressed(&gz, &samples).unwrap();
        assert_eq!(read_dataset(&gz).unwrap(), samples);
        let (w, _) = DatasetWriter::open(&path).unwrap();
        assert_eq!(w.existing, 5);
        assert!(w.contains("random_pipeline seed=3", "beam_size=32"));
    }

    #[test]
    fn a_cut_tail_is_an_error_to_readers_and_repaired_by_the_writer() {
        let path = temp("cut");
        let _ = std::fs::remove_file(&path);
        let (mut w, _) = DatasetWriter::open(&path).unwrap();
        for k in 0..3 {
            w.append(&sample(k)).unwrap();
        }
        drop(w);
        let len = std::fs::metadata(&path).unwrap().len();
        let f = OpenOptions::new().write(true).open(&path).unwrap();
        f.set_len(len - 10).unwrap();
        let e = read_dataset(&path).unwrap_err();
        assert!(e.contains("truncated record"), "{e}");
        let (w, repaired) = DatasetWriter::open(&path).unwrap();
        assert!(repaired.unwrap().contains("dropped"));
        assert_eq!(w.existing, 2);
        drop(w);
        assert_eq!(read_dataset(&path).unwrap().len(), 2);
    }

    #[test]
    fn empty_and_foreign_and_future_files_are_refused() {
        let path = temp("bad");
        std::fs::write(&path, b"").unwrap();
        assert!(read_dataset(&path).unwrap_err().contains("empty"));
        std::fs::write(&path, b"PK\x03\x04 something else").unwrap();
        assert!(read_dataset(&path)
            .unwrap_err()
            .contains("not a halide-gcn dataset"));
        let mut future = MAGIC.to_vec();
        future.extend_from_slice(&7u32.to_le_bytes());
        std::fs::write(&path, &future).unwrap();
        assert!(read_dataset(&path).unwrap_err().contains("version 7"));
    }
}
