//! Set-up shared by the fuzz targets.

use soapws_nbfs::ReaderSession;

/// The session strings of the four captures of `shared/nbfx-captures` (keys 1, 3, …, 23), so that
/// their documents, the seed corpus, decode completely.
const SESSION_STRINGS: [&str; 12] = [
    "http://Microsoft.Samples.NetTcp/ICalculator/Subtract",
    "net.tcp://localhost:9001/servicemodelsamples/service",
    "Subtract",
    "http://Microsoft.Samples.NetTcp",
    "n1",
    "n2",
    "http://Microsoft.Samples.NetTcp/ICalculator/Multiply",
    "Multiply",
    "http://Microsoft.Samples.NetTcp/ICalculator/Divide",
    "Divide",
    "http://Microsoft.Samples.NetTcp/ICalculator/Concat",
    "Concat",
];

/// A reader session holding [`SESSION_STRINGS`], as after the captures' string tables.
pub fn capture_session() -> ReaderSession {
    let mut strings = Vec::new();
    for s in SESSION_STRINGS {
        strings.push(s.len() as u8); // every string is shorter than 128 bytes
        strings.extend_from_slice(s.as_bytes());
    }
    // MultiByteInt31 size (the strings total 128..16383 bytes), then the strings.
    let size = strings.len();
    let mut table = vec![0x80 | (size & 0x7F) as u8, (size >> 7) as u8];
    table.extend_from_slice(&strings);
    let mut session = ReaderSession::new();
    session.read_table(&table).expect("valid table");
    session
}
