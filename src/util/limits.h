/*
 * limits.h - every size, count, depth, timeout and retry bound ferry enforces.
 *
 * Owned by util. Every module checks input against these names where the data
 * enters the process; nothing else in the tree hard-codes a limit.
 */
#ifndef FERRY_UTIL_LIMITS_H
#define FERRY_UTIL_LIMITS_H

#define FERRY_KiB (1024ULL)
#define FERRY_MiB (1024ULL * 1024ULL)
#define FERRY_GiB (1024ULL * 1024ULL * 1024ULL)

/* Configuration input */
#define LIMIT_CONFIG_FILE_BYTES       (4 * FERRY_MiB)  /* one YAML file */
#define LIMIT_CONFIG_FILES            4096             /* YAML files under the config dir */
#define LIMIT_CONFIG_DIR_DEPTH        16               /* sub-directory nesting */
#define LIMIT_CONFIG_DOCUMENTS        1024             /* documents per file */
#define LIMIT_CONFIG_OBJECTS          4096             /* objects in the whole config */
#define LIMIT_YAML_DEPTH              32               /* nesting of mappings/sequences */
#define LIMIT_YAML_NODES              100000           /* nodes per document */
#define LIMIT_SECRET_VALUE_BYTES      (1 * FERRY_MiB)  /* one decoded Secret value */
#define LIMIT_SECRET_KEYS             256              /* keys per Secret */
#define LIMIT_NAME_LEN                253              /* metadata.name (DNS-1123 subdomain) */
#define LIMIT_NAMESPACE_LEN           63               /* metadata.namespace (DNS-1123 label) */
#define LIMIT_URL_LEN                 2048             /* spec.url, proxy address */

/* JSON documents parsed by ferry (manifests, indexes, envelopes, status) */
#define LIMIT_JSON_DEPTH              64

/* Registry protocol */
#define LIMIT_MANIFEST_BYTES          (4 * FERRY_MiB)  /* image manifest / index (OCI & notation) */
#define LIMIT_INDEX_MANIFESTS         1024             /* entries of an image index considered */
#define LIMIT_MANIFEST_LAYERS         1024             /* layers of a manifest considered */
#define LIMIT_TAG_LIST_BYTES          (4 * FERRY_MiB)  /* one page of /tags/list */
#define LIMIT_TAG_LIST_PAGES          100              /* pages followed via Link */
#define LIMIT_TAGS_TOTAL              100000           /* tags considered for semver */
#define LIMIT_REFERRERS_PAGES         100              /* referrers pages followed via Link */
#define LIMIT_HTTP_HEADER_BYTES       (64 * FERRY_KiB) /* all response headers of one request */
#define LIMIT_HTTP_ERROR_BODY_BYTES   (16 * FERRY_KiB) /* error body kept for messages */
#define LIMIT_TOKEN_RESPONSE_BYTES    (1 * FERRY_MiB)  /* bearer token endpoint response */
#define LIMIT_REDIRECTS               10
#define LIMIT_BLOB_BYTES              (8 * FERRY_GiB)  /* one layer blob */

/* Notation */
#define LIMIT_SIGNATURE_MANIFEST_BYTES (4 * FERRY_MiB)
#define LIMIT_SIGNATURE_ENVELOPE_BYTES (32 * FERRY_MiB)
#define LIMIT_SIGNATURES_DEFAULT      3                /* Flux's MaxSignatureAttempts */
#define LIMIT_CERT_CHAIN_LEN          16               /* certificates in an envelope chain */
#define LIMIT_TRUST_CERTS             1024             /* certificates in one trust bundle */
#define LIMIT_CBOR_DEPTH              16
#define LIMIT_CBOR_ITEMS              4096             /* map/array entries in one envelope */
#define LIMIT_OCSP_RESPONSE_BYTES     (20 * FERRY_KiB)
#define LIMIT_CRL_BYTES               (32 * FERRY_MiB)
#define LIMIT_OCSP_TIMEOUT_MS         2000
#define LIMIT_CRL_TIMEOUT_MS          5000

/* Extraction (counted on the real decompressed bytes) */
#define LIMIT_EXTRACT_TOTAL_BYTES     (4 * FERRY_GiB)  /* sum of file data written */
#define LIMIT_EXTRACT_FILE_BYTES      (2 * FERRY_GiB)  /* one file */
#define LIMIT_EXTRACT_ENTRIES         100000           /* tar entries, including skipped ones */
#define LIMIT_EXTRACT_PATH_LEN        1024             /* entry path */
#define LIMIT_EXTRACT_NAME_LEN        255              /* one path component */
#define LIMIT_EXTRACT_DEPTH           64               /* directory nesting */
#define LIMIT_DECOMPRESS_RATIO_BYTES  (16 * FERRY_GiB) /* inflated bytes read, skipped data included */
#define LIMIT_IGNORE_PATTERNS         1024             /* lines of spec.ignore */

/* Timeouts and retries */
#define LIMIT_DEFAULT_TIMEOUT_MS      60000            /* spec.timeout default */
#define LIMIT_CONNECT_TIMEOUT_MS      15000
#define LIMIT_RETRY_ATTEMPTS          4                /* tries of one transient-failing request */
#define LIMIT_RETRY_BASE_MS           500
#define LIMIT_RETRY_MAX_MS            8000
#define LIMIT_RETRY_AFTER_MAX_MS      30000            /* largest Retry-After honoured */

/* Daemon */
#define LIMIT_WORKERS_MAX             64
#define LIMIT_WORKER_RESULT_BYTES     (256 * FERRY_KiB)/* result record on the worker pipe */
#define LIMIT_WORKER_JOB_BYTES        (16 * FERRY_MiB) /* job record on a worker's stdin (Secrets included) */
#define LIMIT_CONTROL_LINE_BYTES      4096             /* one control-socket request line */
#define LIMIT_CONTROL_CLIENTS         16
#define LIMIT_STATUS_FILE_BYTES       (1 * FERRY_MiB)
#define LIMIT_CONDITION_MESSAGE_BYTES 32768            /* Flux trims messages to this */
#define LIMIT_STOP_GRACE_MS           10000            /* SIGTERM: workers may finish within this */

/* artifact: ignore rules and staging names */
#define LIMIT_IGNORE_PATTERN_LEN      1024             /* one line of spec.ignore */
#define LIMIT_STAGE_NAME_ATTEMPTS     100              /* random staging names tried before giving up */

/* config: YAML anchors, semver constraints, tag filters */
#define LIMIT_YAML_ANCHORS            256              /* anchors defined in one document */
#define LIMIT_SEMVER_CONSTRAINT_LEN   1024             /* spec.ref.semver */
#define LIMIT_REGEX_LEN               1024             /* spec.ref.semverFilter */
#define LIMIT_REGEX_REPEAT            1000             /* product of nested {n,m} counts (RE2's bound) */

/* Registry client (oci) */
#define LIMIT_CA_BUNDLE_BYTES         (16 * FERRY_MiB) /* system CA bundle read to add ca.crt to */
#define LIMIT_AUTH_PARAM_BYTES        4096             /* realm / service / scope of a challenge */

/* Notation certificates and envelopes (notation: der, cert, envelope) */
#define LIMIT_DER_DEPTH               32               /* nesting of constructed DER elements */
#define LIMIT_CERT_BYTES              (64 * FERRY_KiB) /* one DER certificate */
#define LIMIT_CERT_NAME_ATTRS         64               /* attributes of one subject / issuer name */
#define LIMIT_CERT_EXTENSIONS         64               /* extensions of one certificate */
#define LIMIT_CERT_LIST_ITEMS         64               /* EKUs, OCSP URLs, CRL URLs kept per certificate */

/* notation: trust policy documents (bounds the quadratic uniqueness and overlap checks) */
#define LIMIT_TRUST_POLICY_STATEMENTS 1024             /* statements in one trust policy document */
#define LIMIT_TRUST_POLICY_VALUES     4096             /* registry scopes + trust stores + trusted identities, all statements */

/* daemon: scheduling, workers, control socket, events, orphans */
#define LIMIT_BACKOFF_MIN_MS          1000             /* first retry after a failed reconcile */
#define LIMIT_BACKOFF_MAX_MS          (15 * 60 * 1000) /* retries double up to this */
#define LIMIT_WORKER_TIMEOUT_FACTOR   10               /* worker deadline = spec.timeout x this ... */
#define LIMIT_WORKER_DEADLINE_MIN_MS  (10 * 1000)      /* ... but at least this ... */
#define LIMIT_WORKER_DEADLINE_MAX_MS  (60 * 60 * 1000) /* ... and never more than this */
#define LIMIT_CONTROL_REQUEST_MS      5000             /* a client must send its request within this */
#define LIMIT_CONTROL_RESPONSE_BYTES  (1 * FERRY_MiB)  /* one control-socket response */
#define LIMIT_CONFIG_WATCHES          1024             /* directories watched with inotify */
#define LIMIT_RELOAD_DEBOUNCE_MS      500              /* quiet time after a config change before reload */
#define LIMIT_EVENTS_PER_SOURCE       16               /* recent events kept per source */
#define LIMIT_EVENT_MESSAGE_BYTES     4096             /* one event message, trimmed with "..." */
#define LIMIT_EVENTS_FILE_BYTES       (256 * FERRY_KiB)
#define LIMIT_ORPHANS_FILE_BYTES      (4 * FERRY_MiB)

/* notation: RFC 3161 timestamps and revocation (tst, cert_path, ocsp, crl, revcache) */
#define LIMIT_TIMESTAMP_TOKEN_BYTES   (1 * FERRY_MiB)  /* one RFC 3161 token in an envelope */
#define LIMIT_TST_CERTS               64               /* certificates carried by a token */
#define LIMIT_TST_SIGNERS             16               /* SignerInfos of a token */
#define LIMIT_TST_ATTRIBUTES          64               /* signed attributes of one SignerInfo */
#define LIMIT_PATH_SIGNATURE_CHECKS   100              /* Go's maxChainSignatureChecks while building paths */
#define LIMIT_PATH_CHAINS             16               /* candidate paths kept while building */
#define LIMIT_OCSP_REQUEST_URL_LEN    255              /* longer base64 requests are POSTed (notation-core-go) */
#define LIMIT_CRL_ENTRY_EXTENSIONS    32               /* extensions of one revoked-certificate entry */
#define LIMIT_REVOCATION_CLOCK_SKEW_S 300              /* OCSP thisUpdate may lie this far in the future */

/* daemon: control-socket clients that stop reading */
#define LIMIT_CONTROL_STALL_MS        5000             /* a pending response not taken for this long drops the client */

#endif
