import { describe, expect, it } from 'vitest';
import { CRASH_CATEGORIES } from '../../src/crash/categories.js';
import { classifyCrash } from '../../src/crash/classify.js';
import { redactText } from '../../src/crash/redact.js';
import { CATEGORY_HINTS, OUTPUT_RULES, signalFromExitCode } from '../../src/crash/rules.js';

// One real-looking output line per rule; a new rule without a line here fails the suite.
const SAMPLES: Record<string, string[]> = {
  'port-in-use': [
    'OSError: [Errno 98] Address already in use',
    "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 7777): address already in use",
    'Error: listen EADDRINUSE: address already in use 127.0.0.1:7777',
    'OSError: [WinError 10048] Only one usage of each socket address is normally permitted',
  ],
  'video-device-missing': [
    "FileNotFoundError: [Errno 2] No such file or directory: '/dev/video0'",
    '/dev/video2: No such file or directory',
  ],
  'video-device-permission': ["PermissionError: [Errno 13] Permission denied: '/dev/video0'"],
  'no-such-device': [
    'OSError: [Errno 19] No such device',
    '[ WARN:0@12.5] global cap_v4l.cpp:1136 tryIoctl VIDEOIO(V4L2:/dev/video0): select() failed: No such device',
    'LIBUSB_ERROR_NO_DEVICE',
  ],
  'camera-index': [
    "[ WARN:0@0.010] global cap_v4l.cpp:999 open VIDEOIO(V4L2:/dev/video0): can't open camera by index",
    'Camera index out of range',
  ],
  'v4l2-error': ['VIDIOC_STREAMON: Input/output error', 'v4l2 capture failed on /dev/video0'],
  'device-busy': [
    'OSError: [Errno 16] Device or resource busy',
    'VIDEOIO ERROR: device busy EBUSY',
  ],
  'rtsp-unauthorized': [
    '[rtsp @ 0x55d0c1a0] method DESCRIBE failed: 401 Unauthorized',
    'RTSP/1.0 403 Forbidden',
  ],
  'tapo-suspended': ['Exception: Temporary Suspension: Try again in 1800 seconds'],
  'invalid-authentication': [
    'Exception: Invalid authentication data',
    'zeep.exceptions.Fault: Sender not Authorized',
    'ring_doorbell.exceptions.AuthenticationError: Invalid credentials',
  ],
  'http-unauthorized': [
    "httpx.HTTPStatusError: Client error '401 Unauthorized' for url 'http://127.0.0.1:8080/api'",
    'requests.exceptions.HTTPError: 403 Client Error: Forbidden for url: http://127.0.0.1/x',
    "aiohttp.client_exceptions.ClientResponseError: 401, message='Unauthorized'",
  ],
  'rtsp-stream-missing': ['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found'],
  'rtsp-protocol': [
    '[rtsp @ 0x1] method SETUP failed: 461 Unsupported transport',
    '[rtsp @ 0x1] Nonmatching transport in server reply',
  ],
  'invalid-stream-data': [
    'rtsp://127.0.0.1:8554/stream1: Invalid data found when processing input',
  ],
  'peer-disconnected': [
    "urllib3.exceptions.ProtocolError: ('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
    'httpx.RemoteProtocolError: Server disconnected without sending a response.',
    'aiohttp.client_exceptions.ServerDisconnectedError: Server disconnected',
    "http.client.BadStatusLine: ''",
  ],
  'tls-mismatch': [
    'ssl.SSLError: [SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:992)',
    'ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed',
  ],
  'sqlite-corrupt': ['sqlite3.DatabaseError: database disk image is malformed'],
  'sqlite-not-a-database': ['sqlite3.DatabaseError: file is not a database'],
  'sqlite-locked': [
    'sqlite3.OperationalError: database is locked',
    'SqliteError: SQLITE_BUSY: database is busy',
  ],
  'sqlite-cannot-open': ['sqlite3.OperationalError: unable to open database file'],
  'sqlite-io': [
    'sqlite3.OperationalError: disk I/O error',
    'sqlite3.OperationalError: database or disk is full',
  ],
  'sqlite-readonly': ['sqlite3.OperationalError: attempt to write a readonly database'],
  'sqlite-error': [
    'sqlite3.OperationalError: no such table: recordings',
    'sqlite3.IntegrityError: UNIQUE constraint failed: cameras.name',
  ],
  'v8-heap': [
    'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    'FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed',
  ],
  'python-memory-error': ['MemoryError', 'MemoryError: Unable to allocate 7.45 GiB for an array'],
  'out-of-memory': [
    'OSError: [Errno 12] Cannot allocate memory',
    "terminate called after throwing an instance of 'std::bad_alloc'",
    'cv2.error: OpenCV(4.6.0) alloc.cpp:73: error: (-4:Insufficient memory) Failed to allocate 6220800 bytes',
  ],
  'connection-refused': [
    'ConnectionRefusedError: [Errno 111] Connection refused',
    "OSError: Multiple exceptions: [Errno 111] Connect call failed ('127.0.0.1', 554)",
    'Error: connect ECONNREFUSED 127.0.0.1:554',
    '[tcp @ 0x1] Connection to tcp://127.0.0.1:554?timeout=0 failed: Connection refused',
  ],
  'host-unreachable': [
    'OSError: [Errno 113] No route to host',
    'OSError: [Errno 101] Network is unreachable',
    'Error: connect EHOSTUNREACH 192.0.2.10:554',
  ],
  'dns-failure': [
    'socket.gaierror: [Errno -2] Name or service not known',
    'socket.gaierror: [Errno -3] Temporary failure in name resolution',
    'Error: getaddrinfo ENOTFOUND camera.local',
    'Error: getaddrinfo EAI_AGAIN camera.local',
  ],
  'connection-reset': [
    'ConnectionResetError: [Errno 104] Connection reset by peer',
    'Error: read ECONNRESET',
    'Error: socket hang up',
  ],
  'network-timeout': [
    'TimeoutError: [Errno 110] Connection timed out',
    'httpx.ConnectTimeout: timed out',
    'requests.exceptions.ReadTimeout: HTTPConnectionPool(host=...): Read timed out. (read timeout=5)',
    'Error: connect ETIMEDOUT 192.0.2.10:443',
    '[ WARN:0@30.0] global cap_ffmpeg_impl.hpp:453 _opencv_ffmpeg_interrupt_callback Stream timeout triggered after 30000 ms',
  ],
  'http-client-error': [
    'httpx.ConnectError: All connection attempts failed',
    'aiohttp.client_exceptions.ClientConnectorError: Cannot connect to host 127.0.0.1:8080 ssl:default',
    'TypeError: fetch failed',
  ],
  'asgi-load': ['ERROR:    Error loading ASGI app. Could not import module "main".'],
  'python-import': [
    "ModuleNotFoundError: No module named 'cv2'",
    'ImportError: libGL.so.1: cannot open shared object file',
  ],
  'node-module-missing': [
    "Error: Cannot find module '/srv/app/server.js'",
    "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /srv/app/index.mjs",
  ],
  'syntax-error': [
    'SyntaxError: invalid syntax',
    'IndentationError: unexpected indent',
    "SyntaxError: Unexpected token '}'",
  ],
  'config-missing': [
    'pydantic_core._pydantic_core.ValidationError: 1 validation error for Settings',
    "KeyError: 'TAPO_CAMERA_HOST'",
    'RuntimeError: missing environment variable CAMERA_HOST',
  ],
  'file-not-found': [
    "FileNotFoundError: [Errno 2] No such file or directory: 'config.yaml'",
    "/usr/bin/python3: can't open file '/srv/app/main.py': [Errno 2] No such file or directory",
    "Error: ENOENT: no such file or directory, open 'settings.json'",
  ],
  'fatal-python-error': ['Fatal Python error: Segmentation fault'],
  'native-abort': [
    'Segmentation fault (core dumped)',
    'free(): invalid pointer',
    '*** stack smashing detected ***: terminated',
    "terminate called after throwing an instance of 'cv::Exception'",
  ],
};

const baseFacts = {
  exitCode: 1,
  signal: null,
  uptimeMs: 60_000,
  duringStart: false,
};

describe('OUTPUT_RULES', () => {
  it('has unique ids', () => {
    const ids = OUTPUT_RULES.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a sample line for every rule', () => {
    const missing = OUTPUT_RULES.map((rule) => rule.id).filter((id) => !(id in SAMPLES));
    expect(missing).toEqual([]);
    const stale = Object.keys(SAMPLES).filter((id) => !OUTPUT_RULES.some((rule) => rule.id === id));
    expect(stale).toEqual([]);
  });

  it('has one-line hints', () => {
    for (const rule of OUTPUT_RULES) {
      expect(rule.hint.length, rule.id).toBeGreaterThan(10);
      expect(rule.hint, rule.id).not.toContain('\n');
    }
  });

  for (const rule of OUTPUT_RULES) {
    for (const line of SAMPLES[rule.id] ?? []) {
      it(`${rule.id} matches: ${line.slice(0, 60)}`, () => {
        const result = classifyCrash({ ...baseFacts, outputTail: ['INFO: started', line] });
        expect(result.ruleId).toBe(rule.id);
        expect(result.category).toBe(rule.category);
        expect(result.hint).toBe(rule.hint);
        expect(result.evidence).toBe(redactText(line.trim()));
      });
    }
  }
});

describe('CATEGORY_HINTS', () => {
  it('has a one-line hint per category', () => {
    for (const category of CRASH_CATEGORIES) {
      expect(CATEGORY_HINTS[category], category).toMatch(/^[A-Z][^\n]+$/);
    }
  });
});

describe('signalFromExitCode', () => {
  it('reads 128+n and -n as signals', () => {
    expect(signalFromExitCode(139)).toBe('SIGSEGV');
    expect(signalFromExitCode(134)).toBe('SIGABRT');
    expect(signalFromExitCode(137)).toBe('SIGKILL');
    expect(signalFromExitCode(143)).toBe('SIGTERM');
    expect(signalFromExitCode(-11)).toBe('SIGSEGV');
    expect(signalFromExitCode(-6)).toBe('SIGABRT');
  });

  it('leaves ordinary codes alone', () => {
    for (const code of [0, 1, 2, 78, 127, 128, 255, -1000]) {
      expect(signalFromExitCode(code), String(code)).toBeUndefined();
    }
  });
});
