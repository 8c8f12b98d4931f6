import { describe, expect, it } from 'vitest';
import { CompleteLines, OutputTail, redactOutput } from '../../src/supervisor/output.js';

describe('OutputTail', () => {
  it('returns the last lines across chunks', () => {
    const tail = new OutputTail(1024);
    tail.push(Buffer.from('one\ntw'));
    tail.push(Buffer.from('o\r\nthree\n'));
    expect(tail.lines(2)).toEqual(['two', 'three']);
    expect(tail.lines(10)).toEqual(['one', 'two', 'three']);
  });

  it('keeps at most maxBytes', () => {
    const tail = new OutputTail(100);
    for (let index = 0; index < 1000; index++) tail.push(Buffer.from(`line ${index}\n`));
    const lines = tail.lines(1000);
    expect(lines.at(-1)).toBe('line 999');
    expect(lines.join('\n').length).toBeLessThanOrEqual(100);
  });

  it('cuts long lines to 2000 characters', () => {
    const tail = new OutputTail(64 * 1024);
    tail.push(Buffer.from(`${'a'.repeat(5000)}\n`));
    expect(tail.lines(1)).toEqual([`${'a'.repeat(2000)}... (cut)`]);
  });

  it('keeps nothing with size 0', () => {
    const tail = new OutputTail(0);
    tail.push(Buffer.from('x\n'));
    expect(tail.lines(5)).toEqual([]);
  });
});

describe('CompleteLines', () => {
  it('holds a partial line until its newline', () => {
    const lines = new CompleteLines(1024);
    expect(lines.push(Buffer.from('rtsp://admin:sec'))).toBe(undefined);
    expect(lines.push(Buffer.from('ret@cam/stream\nnext'))?.toString()).toBe(
      'rtsp://admin:secret@cam/stream\n',
    );
    expect(lines.rest()?.toString()).toBe('next');
    expect(lines.rest()).toBe(undefined);
  });

  it('lets a partial line past the limit through', () => {
    const lines = new CompleteLines(10);
    expect(lines.push(Buffer.from('123456'))).toBe(undefined);
    expect(lines.push(Buffer.from('7890ab'))?.toString()).toBe('1234567890ab');
  });
});

describe('redactOutput', () => {
  it('redacts URL passwords and password pairs', () => {
    const text = 'rtsp://admin:secret@127.0.0.1/stream password=hunter2\n';
    expect(redactOutput(Buffer.from(text)).toString()).toBe(
      'rtsp://admin:***@127.0.0.1/stream password=***\n',
    );
  });

  it('returns clean binary output unchanged', () => {
    const junk = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x0a]);
    expect(redactOutput(junk)).toBe(junk);
  });
});
