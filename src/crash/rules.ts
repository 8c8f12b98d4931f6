import { constants } from 'node:os';
import type { CrashCategory } from './categories.js';

/**
 * The built-in crash rules: one row per recognizable output line, plus the
 * facts about signals and exit codes. classify.ts decides which rule wins;
 * this file only describes what each line or number means.
 */
export interface CrashRule {
  /** Stable name, stored in crash reports as ruleId. */
  id: string;
  category: CrashCategory;
  /** Tested against single output lines. */
  pattern: RegExp;
  /** One-line remediation for people. */
  hint: string;
}

/** The remediation for each category when no more specific rule applies. */
export const CATEGORY_HINTS: Readonly<Record<CrashCategory, string>> = {
  network:
    'A host did not answer: check that the camera or service is powered, on the network and at the configured address and port.',
  'usb-device':
    'The webcam is gone or busy: check the cable and `ls /dev/video*`, and stop other programs that hold the device.',
  'camera-auth':
    'The camera rejected the login: check the camera account user name and password (Tapo: the camera account, not the cloud account).',
  'camera-firmware':
    'The camera answered in an unexpected way: it may be rebooting or a firmware update changed its protocol or stream path.',
  database:
    'SQLite failed: run `sqlite3 FILE "PRAGMA integrity_check"`, restore a backup if it is corrupt, and check disk space and file permissions.',
  memory:
    'The app ran out of memory: look for a leak (growing frame buffers) or raise the memory limit.',
  'port-conflict':
    "Another process holds the port: find it with `ss -ltnp 'sport = :PORT'` and stop it, or change the app's port.",
  startup:
    'The app failed before it was ready: check the command, the working directory, the installed packages and the config it reads.',
  'native-crash':
    'A native library crashed the process: update the library (OpenCV, ffmpeg, drivers), and enable core dumps to find which one.',
  hang: 'The app stopped answering health checks while it kept running: look for a blocking call or a deadlock.',
  killed:
    'A signal from outside the runner ended the app: check for the kernel OOM killer (`journalctl -k`) or another supervisor.',
  'clean-exit':
    'The app exited with code 0 on its own: a server should not exit, so check why it stopped.',
  unknown: 'No known cause matched: read the output tail in the crash report.',
};

const hint = CATEGORY_HINTS;

/**
 * Output rules. Within one line the first matching row wins, so a row that
 * is more specific than another row of a different category comes first
 * (a missing /dev/video0 before the generic "No such file or directory").
 */
export const OUTPUT_RULES: readonly CrashRule[] = [
  // Port conflicts: Python (Errno 98 on Linux, 48 on macOS), uvicorn, Node, Windows.
  {
    id: 'port-in-use',
    category: 'port-conflict',
    pattern: /\bEADDRINUSE\b|address already in use|\[Errno (?:98|48)\]|WinError 10048/i,
    hint: hint['port-conflict'],
  },

  // USB webcams (V4L2, OpenCV, libusb).
  {
    id: 'video-device-missing',
    category: 'usb-device',
    pattern:
      /\/dev\/video\d*\S*:? No such file or directory|No such file or directory:? '?\/dev\/video/i,
    hint: 'The webcam device node is missing: the camera is unplugged or enumerated under another /dev/video number.',
  },
  {
    id: 'video-device-permission',
    category: 'usb-device',
    pattern: /Permission denied:? '?\/dev\/video|\/dev\/video\d*\S*:? Permission denied/i,
    hint: 'The app may not open the webcam: add its user to the "video" group.',
  },
  {
    id: 'no-such-device',
    category: 'usb-device',
    pattern: /\bNo such device\b|\[Errno 19\]|\bENODEV\b|LIBUSB_ERROR_NO_DEVICE/i,
    hint: hint['usb-device'],
  },
  {
    id: 'camera-index',
    category: 'usb-device',
    pattern: /can'?t open camera by index|Camera index out of range/i,
    hint: 'OpenCV found no camera at that index: check that the webcam is plugged in and which /dev/video number it has.',
  },
  {
    id: 'v4l2-error',
    category: 'usb-device',
    pattern: /\bVIDIOC_[A-Z_]+\b|\bVIDEOIO\b.*\bV4L2?\b|\bv4l2\b.*\b(?:error|failed|fail)\b/i,
    hint: hint['usb-device'],
  },
  {
    id: 'device-busy',
    category: 'usb-device',
    pattern: /Device or resource busy|\[Errno 16\]|\bEBUSY\b/i,
    hint: 'Another process holds the device: find it with `fuser -v /dev/video*` and stop it.',
  },

  // Camera authentication: RTSP, ONVIF, HTTP APIs, Tapo and Ring clients.
  {
    id: 'rtsp-unauthorized',
    category: 'camera-auth',
    pattern: /method (?:DESCRIBE|SETUP|PLAY|OPTIONS) failed: 40[13]\b|RTSP\/1\.0 40[13]\b/i,
    hint: hint['camera-auth'],
  },
  {
    id: 'tapo-suspended',
    category: 'camera-auth',
    pattern: /Temporary Suspension/i,
    hint: 'The camera locked the account after failed logins: wait for the suspension to end, then fix the password.',
  },
  {
    id: 'invalid-authentication',
    category: 'camera-auth',
    pattern:
      /Invalid authentication|\bnot authori[sz]ed\b|\bAuthenticationError\b|\bInvalid credentials\b/i,
    hint: hint['camera-auth'],
  },
  {
    id: 'http-unauthorized',
    category: 'camera-auth',
    pattern:
      /\b40[13] (?:Unauthorized|Forbidden)\b|\b40[13] Client Error\b|ClientResponseError: 40[13]\b/i,
    hint: hint['camera-auth'],
  },

  // Camera protocol surprises: reboots, firmware updates, changed stream paths.
  {
    id: 'rtsp-stream-missing',
    category: 'camera-firmware',
    pattern: /method (?:DESCRIBE|SETUP|PLAY) failed: 404\b/i,
    hint: 'The camera has no stream at that path: firmware updates can rename streams (Tapo: /stream1, /stream2).',
  },
  {
    id: 'rtsp-protocol',
    category: 'camera-firmware',
    pattern:
      /method (?:DESCRIBE|SETUP|PLAY) failed: (?:4[5-6]\d|5\d\d)\b|Nonmatching transport in server reply/i,
    hint: hint['camera-firmware'],
  },
  {
    id: 'invalid-stream-data',
    category: 'camera-firmware',
    pattern: /Invalid data found when processing input/i,
    hint: hint['camera-firmware'],
  },
  {
    id: 'peer-disconnected',
    category: 'camera-firmware',
    pattern:
      /\bRemoteDisconnected\b|Remote end closed connection without response|Server disconnected without sending a response|\bServerDisconnectedError\b|\bRemoteProtocolError\b|\bBadStatusLine\b/,
    hint: 'The camera dropped the connection mid-request: it may be rebooting, or a firmware update changed its protocol.',
  },
  {
    id: 'tls-mismatch',
    category: 'camera-firmware',
    pattern: /WRONG_VERSION_NUMBER|CERTIFICATE_VERIFY_FAILED|\bSSLError\b|\bssl\.SSLError\b/i,
    hint: "The camera's TLS setup changed: a firmware update may have switched it to HTTPS or replaced its certificate.",
  },

  // SQLite, through Python's sqlite3, SQLAlchemy, aiosqlite or better-sqlite3.
  {
    id: 'sqlite-corrupt',
    category: 'database',
    pattern: /database disk image is malformed|\bSQLITE_CORRUPT\b/i,
    hint: 'The SQLite file is corrupt: stop the app, restore the latest backup (or `sqlite3 FILE .recover`), then restart.',
  },
  {
    id: 'sqlite-not-a-database',
    category: 'database',
    pattern: /file is not a database|file is encrypted or is not a database|\bSQLITE_NOTADB\b/i,
    hint: 'The file at the database path is not SQLite: check the path, or restore the file from a backup.',
  },
  {
    id: 'sqlite-locked',
    category: 'database',
    pattern: /database is locked|database table is locked|\bSQLITE_BUSY\b|\bSQLITE_LOCKED\b/i,
    hint: 'Another process or connection held the database lock: stop the other writer, enable WAL, or set a busy timeout.',
  },
  {
    id: 'sqlite-cannot-open',
    category: 'database',
    pattern: /unable to open database file|\bSQLITE_CANTOPEN\b/i,
    hint: "SQLite could not open the file: check that its directory exists and is writable by the app's user.",
  },
  {
    id: 'sqlite-io',
    category: 'database',
    pattern: /disk I\/O error|\bSQLITE_IOERR\w*\b|database or disk is full|\bSQLITE_FULL\b/i,
    hint: 'SQLite could not read or write the disk: check free space (`df -h`), the file system and the kernel log.',
  },
  {
    id: 'sqlite-readonly',
    category: 'database',
    pattern: /attempt to write a readonly database|\bSQLITE_READONLY\b/i,
    hint: 'The database file or its directory is read-only for the app: fix the owner or permissions.',
  },
  {
    id: 'sqlite-error',
    category: 'database',
    pattern:
      /\bsqlite3\.(?:OperationalError|DatabaseError|IntegrityError)\b|\bSqliteError\b|\bSQLITE_[A-Z]+\b/,
    hint: hint.database,
  },

  // Memory: Python, V8, the C library and C++.
  {
    id: 'v8-heap',
    category: 'memory',
    pattern:
      /JavaScript heap out of memory|Reached heap limit|Ineffective mark-compacts near heap limit/i,
    hint: "Node's heap filled up: look for a leak, or raise --max-old-space-size if the app needs more.",
  },
  {
    id: 'python-memory-error',
    category: 'memory',
    pattern: /\bMemoryError\b/,
    hint: hint.memory,
  },
  {
    id: 'out-of-memory',
    category: 'memory',
    pattern:
      /Cannot allocate memory|\[Errno 12\]|\bENOMEM\b|\bstd::bad_alloc\b|\bout of memory\b|Insufficient memory|Failed to allocate \d+ bytes/i,
    hint: hint.memory,
  },

  // Network, after the more specific camera rows above.
  {
    id: 'connection-refused',
    category: 'network',
    pattern:
      /\bConnectionRefusedError\b|Connection refused|\bECONNREFUSED\b|\[Errno 111\]|Connect call failed/i,
    hint: 'Nothing listens at the address: check that the camera or service is up and that the port is right.',
  },
  {
    id: 'host-unreachable',
    category: 'network',
    pattern:
      /No route to host|Host is unreachable|Network is unreachable|\bE(?:HOST|NET)UNREACH\b|\[Errno (?:113|101)\]/i,
    hint: 'The host cannot be reached: check that it is powered and on the same network, and its IP address (DHCP may have changed it).',
  },
  {
    id: 'dns-failure',
    category: 'network',
    pattern:
      /\bgaierror\b|Name or service not known|Temporary failure in name resolution|nodename nor servname|getaddrinfo (?:failed|ENOTFOUND|EAI_AGAIN)|\bENOTFOUND\b|\bEAI_AGAIN\b/i,
    hint: 'A host name did not resolve: check the name, the DNS server, or use the IP address.',
  },
  {
    id: 'connection-reset',
    category: 'network',
    pattern:
      /Connection reset by peer|\bConnectionResetError\b|\bECONNRESET\b|\[Errno 104\]|socket hang up/i,
    hint: hint.network,
  },
  {
    id: 'network-timeout',
    category: 'network',
    pattern:
      /Connection timed out|\bETIMEDOUT\b|\[Errno 110\]|\bConnectTimeout(?:Error)?\b|\bReadTimeout(?:Error)?\b|\bsocket\.timeout\b|\bTimeoutError\b|UND_ERR_CONNECT_TIMEOUT|Stream timeout triggered/i,
    hint: 'A host did not answer in time: check the network path, or raise the client timeout if the camera is slow.',
  },
  {
    id: 'http-client-error',
    category: 'network',
    pattern:
      /\bhttpx\.(?:ConnectError|NetworkError|ReadError|WriteError|PoolTimeout)\b|\bClientConnectorError\b|\bClientOSError\b|Cannot connect to host|\brequests\.exceptions\.ConnectionError\b|Failed to establish a new connection|Max retries exceeded|\bfetch failed\b/i,
    hint: hint.network,
  },

  // Start-up: imports, syntax, missing files and configuration.
  {
    id: 'asgi-load',
    category: 'startup',
    pattern: /Error loading ASGI app/,
    hint: 'uvicorn could not load the app: check the "module:attribute" argument and the working directory.',
  },
  {
    id: 'python-import',
    category: 'startup',
    pattern: /\bModuleNotFoundError\b|\bImportError\b/,
    hint: 'A Python module is missing: install it in the interpreter the command uses (check the venv path).',
  },
  {
    id: 'node-module-missing',
    category: 'startup',
    pattern: /Cannot find module|\bERR_MODULE_NOT_FOUND\b|Cannot find package/,
    hint: 'A Node module is missing: run `npm ci` in the app directory, or check the path in the command.',
  },
  {
    id: 'syntax-error',
    category: 'startup',
    pattern: /^\s*(?:\w+\.)*(?:SyntaxError|IndentationError|TabError)\b/,
    hint: 'The code does not parse: fix the syntax error at the line the output names.',
  },
  {
    id: 'config-missing',
    category: 'startup',
    pattern:
      /\bvalidation errors? for \w+|\bField required\b|\bKeyError: '[A-Z][A-Z0-9_]{2,}'|missing (?:required )?(?:config|configuration|setting|environment variable)|config(?:uration)? file (?:not found|missing)/i,
    hint: 'A setting is missing or invalid: check the environment variables and the config file the app reads.',
  },
  {
    id: 'file-not-found',
    category: 'startup',
    pattern: /\bFileNotFoundError\b|No such file or directory|\bENOENT\b|can't open file/i,
    hint: 'A file the app needs is missing: check the working directory and the paths in its configuration.',
  },

  // Native crashes that announce themselves before the signal.
  {
    id: 'fatal-python-error',
    category: 'native-crash',
    pattern: /Fatal Python error/,
    hint: hint['native-crash'],
  },
  {
    id: 'native-abort',
    category: 'native-crash',
    pattern:
      /Segmentation fault|\bcore dumped\b|Bus error|Illegal instruction|double free or corruption|free\(\): invalid|malloc\(\): |stack smashing detected|terminate called after throwing/i,
    hint: hint['native-crash'],
  },
];

/**
 * Rules for the error of the last health check when failed checks (responses,
 * not timeouts) made the runner stop the app. The process was alive, so the
 * cause is on the app's side and its output before the stop says little:
 * the category is unknown and the hint names what the check saw. Patterns
 * match the errors that health/check.ts and health/parse.ts produce.
 */
export const HEALTH_FAILURE_RULES: readonly CrashRule[] = [
  {
    id: 'health:body-too-large',
    category: 'unknown',
    pattern: /^body larger than\b/i,
    hint: 'The health endpoint responded with a body over health.maxBodySize: make it return a small JSON document, raise maxBodySize, or point health.url at a lighter endpoint.',
  },
  {
    id: 'health:redirect',
    category: 'unknown',
    pattern: /^redirect to another host\b|^invalid redirect location\b|^more than \d+ redirects\b/i,
    hint: 'The health endpoint redirects to another host, or too often: set health.url to the address that answers directly.',
  },
  {
    id: 'health:server-error',
    category: 'unknown',
    pattern: /^HTTP 5\d\d\b/,
    hint: 'The app responded to health checks with a server error: read the output tail for the exception that the request raised.',
  },
  {
    id: 'health:client-error',
    category: 'unknown',
    pattern: /^HTTP 4\d\d\b/,
    hint: 'The health endpoint responded with a client error: check the path and method of health.url and whether the endpoint needs a login.',
  },
  {
    id: 'health:not-listening',
    category: 'unknown',
    pattern: /^connection refused\b/i,
    hint: 'The process ran but nothing listened at health.url: check the port and host the app binds, and whether its server thread died.',
  },
  {
    id: 'health:invalid-response',
    category: 'unknown',
    pattern:
      /^invalid HTTP response\b|^connection (?:reset|closed)\b|^TLS error\b|^unsupported scheme\b/i,
    hint: 'The health endpoint did not respond with valid HTTP: check that health.url has the right scheme (http or https) and port.',
  },
];

/**
 * Categories whose output rules may explain a death by SIGSEGV, SIGBUS,
 * SIGILL, SIGFPE or SIGABRT. A network or start-up line before such a signal
 * is usually an old log line, not the cause, so the signal wins over it.
 */
export const NATIVE_CAUSES: ReadonlySet<CrashCategory> = new Set<CrashCategory>([
  'memory',
  'usb-device',
  'camera-firmware',
  'database',
  'native-crash',
]);

/** Signals that mean the process itself crashed. */
export const NATIVE_SIGNALS: ReadonlySet<string> = new Set([
  'SIGSEGV',
  'SIGBUS',
  'SIGABRT',
  'SIGILL',
  'SIGFPE',
  'SIGTRAP',
  'SIGSYS',
]);

/** The fraction of the memory limit at or above which a SIGKILL counts as an out-of-memory kill. */
export const OOM_KILL_RSS_FRACTION = 0.9;

/**
 * Windows exit statuses (NTSTATUS) that mean a native crash. Node reports
 * them as unsigned 32-bit exit codes; some tools print them as negative
 * numbers, which classify.ts folds into this range first.
 */
export const WINDOWS_CRASH_CODES: ReadonlyMap<number, { name: string; category: CrashCategory }> =
  new Map([
    [0xc0000005, { name: 'STATUS_ACCESS_VIOLATION', category: 'native-crash' }],
    [0xc000001d, { name: 'STATUS_ILLEGAL_INSTRUCTION', category: 'native-crash' }],
    [0xc00000fd, { name: 'STATUS_STACK_OVERFLOW', category: 'native-crash' }],
    [0xc0000409, { name: 'STATUS_STACK_BUFFER_OVERRUN', category: 'native-crash' }],
    [0xc0000017, { name: 'STATUS_NO_MEMORY', category: 'memory' }],
  ]);

/**
 * Map an exit code to the signal it reports, using this platform's signal
 * numbers. A shell exits 128+n when its child died of signal n, and Python's
 * subprocess reports that as -n. Returns undefined for ordinary codes.
 */
export function signalFromExitCode(code: number): string | undefined {
  let number: number | undefined;
  if (code > 128 && code < 128 + 65) number = code - 128;
  else if (code < 0 && code > -65) number = -code;
  if (number === undefined) return undefined;

  for (const [name, value] of Object.entries(constants.signals)) {
    if (value === number) return name;
  }
  return undefined;
}
