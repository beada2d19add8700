import type { Box } from '../core/geometry.js';

export const boxJson = (b: Box) => ({ x: Math.round(b.x1), y: Math.round(b.y1), width: Math.round(b.x2 - b.x1), height: Math.round(b.y2 - b.y1) });

export const USAGE = `facegate <command> [options]

Face engine
  detect <image>                         faces (box, score), multipleFaces, 5 landmarks of the primary face
  template <image...> [--mode ENROL|VERIFY|DISABLED]
                                         base64 template of each image's primary face; ENROL and VERIFY
                                         refuse several faces (509) and poor ICAO quality (510)
  compare <a> <b> [--level L] [--mode selfie|picture-id]
                                         1:1 match: similarityScore 0-100, possibleMatch, matchHighestSecurityLevelReached
                                         levels MEDIUM, HIGH (default), VERY_HIGH, HIGHEST
  liveness <image> [--level L]           passive liveness score 0-1 and the highest level reached (at most
                                         MODERATE: the levels from BALANCED_HIGH up need an active challenge,
                                         docs/liveness.md); levels LOW, MEDIUM, MODERATE (default)
  quality <image> [--mode ENROL|VERIFY]  the spec's quality and icao_data blocks, and whether the mode accepts the face
  eval pairs <file> [--root DIR] [--mode M] [--level L]
                                         one JSON line per "pathA<TAB>pathB[<TAB>1|0]" line; with labels,
                                         accuracy per level, TAR at FAR 1e-3 and EER on stderr
  eval liveness <manifest.json>          passive liveness of {"images": [{file, label}]}: a JSON line per image,
                                         APCER and BPCER per level with 95% intervals on stderr
  eval active <manifest.json> [--fps N]  active liveness of recorded clips {"clips": [{file, steps, label?, fps?}]}
                                         (a video, decoded with ffmpeg at N frames a second, default 10, or a
                                         folder of frames): {file, live, checks, reason} per clip, APCER and BPCER
  models pull [--pack DIR]               download and verify the model files of a pack (default: packs/default)

Server and data (FACEGATE_DATA_DIR or DATABASE_URL select the same data a running server uses)
  serve                                  start the HTTP server (see README: configuration)
  keys create --name N --permissions P   new API key, printed once: {"key", "id", "permissions"};
                                         P is comma-separated: sdk:enroll, backoffice:*, api:match, admin:keys, * ...
  keys list | keys revoke <id>
  galleries create --name G [--save-photo true|false] [--keep-templates true|false] [--match-level L] [--liveness-level L|none]
  galleries list
  clients create --name N [--gallery G] [--callback-url URL]
                                         client for signed sessions (spec 004) and facemap authentication
                                         (spec 003), printed once: {"client", "secret"}
  clients list | clients revoke <client>
  blob <image> [--server URL] [--out FILE]
                                         encrypted capture blob for /api/v1/process and friends, made with the
                                         server's public key (from the data dir, or fetched from --server)

HTTPS and mTLS (docs/tls.md; --dir and --ca-dir default to <data dir>/tls)
  tls init [--dir D] [--host name,...] [--days N]
                                         client CA (client-ca.crt/.key, 10 years) and a self-signed server
                                         certificate (server.crt/.key, SAN from --host, default localhost,127.0.0.1,
                                         --days default 825); prints the paths and the FACEGATE_TLS_* variables
  tls sign <csr.pem> [--ca-dir D] [--days N] [--out FILE]
                                         checks the CSR's signature and signs a clientAuth certificate for its
                                         subject with the client CA (--days default 365)
  tls csr --cn NAME [--org O] [--out-key FILE] [--out-csr FILE]
                                         what a client runs: a new RSA 2048 key (default client.key, kept) and
                                         its CSR (default client.csr, sent to the operator)

Options
  --pretty            indented JSON
  --pack DIR          model pack directory (env FACEGATE_MODEL_PACK)
  --workers N         inference worker threads (env FACEGATE_WORKERS; default: one per core)

Output is JSON on stdout. On failure stdout gets {"error": {code, feedbackCode, message}},
stderr a one-line message, and the exit code is 2 (64 for a usage error).
`;
