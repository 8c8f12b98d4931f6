import { describe, expect, it } from 'vitest';
import {
  isSecretKey,
  redactArgv,
  redactDeep,
  redactEnv,
  redactText,
} from '../../src/crash/redact.js';

describe('redactText', () => {
  it('removes the password from camera URLs', () => {
    const out = redactText('connecting to rtsp://admin:hunter2@127.0.0.1:554/stream1 failed');
    expect(out).toBe('connecting to rtsp://admin:***@127.0.0.1:554/stream1 failed');
  });

  it('removes user-only credentials', () => {
    expect(redactText('http://tokenonly@127.0.0.1/x')).toBe('http://***@127.0.0.1/x');
  });

  it('redacts key=value and key: value pairs', () => {
    expect(redactText('password=abc123 user=bob')).toBe('password=*** user=bob');
    expect(redactText('{"api_key": "k-123", "name": "x"}')).toBe('{"api_key": "***", "name": "x"}');
    expect(redactText("camera_password='p w'")).toBe("camera_password='***'");
  });

  it('redacts authorization headers and bearer tokens', () => {
    expect(redactText('Authorization: Digest username="a", response="b"')).toBe(
      'Authorization: ***',
    );
    expect(redactText('sent Bearer abcdefghijklmnop')).toBe('sent Bearer ***');
  });

  it('leaves ordinary text alone', () => {
    const text = 'Traceback (most recent call last): ConnectionRefusedError: [Errno 111]';
    expect(redactText(text)).toBe(text);
  });
});

describe('redactEnv and redactDeep', () => {
  it('hides values of secret-looking keys', () => {
    const env = redactEnv({
      CAMERA_PASSWORD: 'p',
      RING_TOKEN: 't',
      HOME: '/root',
      URL: 'rtsp://a:b@h/',
    });
    expect(env).toEqual({
      CAMERA_PASSWORD: '***',
      RING_TOKEN: '***',
      HOME: '/root',
      URL: 'rtsp://a:***@h/',
    });
  });

  it('walks nested objects and arrays', () => {
    const report = redactDeep({ tail: ['rtsp://u:secret@h/s'], env: { TAPO_PASSWORD: 'x' }, n: 3 });
    expect(report).toEqual({ tail: ['rtsp://u:***@h/s'], env: { TAPO_PASSWORD: '***' }, n: 3 });
  });
});

describe('redactArgv', () => {
  it('hides the value after a secret-looking long flag', () => {
    expect(redactArgv(['./leaky.sh', '--password', 'hunter2', '--port', '7777'])).toEqual([
      './leaky.sh',
      '--password',
      '***',
      '--port',
      '7777',
    ]);
    expect(redactArgv(['app', '--api-key', 'k1', '--auth-token', 't1', '--db-pass', 'p1'])).toEqual(
      ['app', '--api-key', '***', '--auth-token', '***', '--db-pass', '***'],
    );
    // Go-style single-dash long flags.
    expect(redactArgv(['app', '-token', 't1'])).toEqual(['app', '-token', '***']);
  });

  it('hides the value of --flag=value forms', () => {
    expect(redactArgv(['app', '--password=hunter2', '--secret=a=b', '--name=cam'])).toEqual([
      'app',
      '--password=***',
      '--secret=***',
      '--name=cam',
    ]);
  });

  it('removes URL credentials and key=value secrets in any argument', () => {
    expect(
      redactArgv(['ffmpeg', '-i', 'rtsp://admin:hunter2@127.0.0.1:554/stream1', 'password=x']),
    ).toEqual(['ffmpeg', '-i', 'rtsp://admin:***@127.0.0.1:554/stream1', 'password=***']);
  });

  it('leaves short flags, file flags, negations and a following flag alone', () => {
    const argv = [
      'uvicorn',
      '-p',
      '7777',
      '--token-file',
      '/run/secrets/token',
      '--password-file=/run/secrets/pw',
      '--no-auth',
      'main:app',
      '--token',
      '--verbose',
    ];
    expect(redactArgv(argv)).toEqual(argv);
  });

  it('is applied by redactDeep to command arrays', () => {
    const event = { app: 'cam', pid: 1, attempt: 0, command: ['./leaky.sh', '--password', 's3'] };
    expect(redactDeep(event).command).toEqual(['./leaky.sh', '--password', '***']);
    expect(redactDeep({ apps: [{ command: ['x', '--token', 'abc'] }] })).toEqual({
      apps: [{ command: ['x', '--token', '***'] }],
    });
    // A list elsewhere is not an argument vector.
    expect(redactDeep({ tail: ['--password', 'shown'] })).toEqual({
      tail: ['--password', 'shown'],
    });
  });
});

describe('secret flags in free text', () => {
  it('hides their values in a shell command line', () => {
    expect(redactText('./leaky.sh --password hunter2 --api-key="a b" --port 80')).toBe(
      './leaky.sh --password *** --api-key="***" --port 80',
    );
    expect(redactText('run --token-file /run/secrets/t --no-auth x')).toBe(
      'run --token-file /run/secrets/t --no-auth x',
    );
  });
});

describe('isSecretKey', () => {
  it('treats keys that name where a secret is kept as no secret', () => {
    for (const key of ['tokenFile', 'passwordFile', 'TAPO_PASSWORD_FILE', 'api_key_path'])
      expect(isSecretKey(key), key).toBe(false);
    for (const key of ['secretsDir', 'authUrl', 'tokenUri'])
      expect(isSecretKey(key), key).toBe(false);
    for (const key of ['TAPO_PASSWORD', 'token', 'ringToken', 'apiKey', 'FILE_TOKEN'])
      expect(isSecretKey(key), key).toBe(true);
  });

  it('keeps a token file path in logs and error texts', () => {
    expect(redactText('tokenFile=/var/log/x.token password_file: /run/pw password=p')).toBe(
      'tokenFile=/var/log/x.token password_file: /run/pw password=***',
    );
    const record = redactDeep({
      url: 'http://127.0.0.1:9',
      tokenFile: '/var/log/crashproof.token',
    });
    expect(record.tokenFile).toBe('/var/log/crashproof.token');
    const detail =
      'send the token from /var/log/crashproof.token as a Bearer token in the Authorization header';
    expect(redactText(detail)).toBe(detail);
  });
});
