import * as assert from 'node:assert/strict';
import { SeisGrowError } from '../../../src/shared/errors';
import { CommandSpec, formatHelp, parseArgs } from '../../../src/cli/args';

const spec: CommandSpec = {
  command: 'train',
  summary: 'Train things.',
  usage: '--seismic A.npy [B.npy ...] --out DIR',
  positionals: [{ name: 'EXTRA', help: 'optional extra', required: false }],
  options: [
    { name: 'seismic', kind: 'strings', metavar: 'FILE...', help: 'seismic inputs' },
    { name: 'out', kind: 'string', metavar: 'DIR', help: 'run folder' },
    { name: 'epochs', kind: 'integer', metavar: 'N', help: 'epochs per stage', defaultText: '10' },
    { name: 'lr', kind: 'number', help: 'learning rate' },
    { name: 'json', kind: 'flag', help: 'JSON output' },
  ],
  epilog: 'Closing words.',
};

function usageError(args: string[], message: RegExp): void {
  assert.throws(() => parseArgs(spec, args), (e: unknown) => {
    assert.ok(e instanceof SeisGrowError);
    assert.equal(e.code, 'usage');
    assert.match(e.message, message);
    assert.match(e.message, /seisgrow train --help/);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

describe('cli argument parser', () => {
  it('reads flags, values, =values, negative numbers and lists (space-separated and repeated)', () => {
    const a = parseArgs(spec, ['--seismic', 'a.npy', 'b.npy', '--out=run', '--epochs', '3', '--lr', '-1e-3', '--json', '--seismic', 'c.npy'])!;
    assert.deepEqual(a.strings('seismic'), ['a.npy', 'b.npy', 'c.npy']);
    assert.equal(a.string('out'), 'run');
    assert.equal(a.integer('epochs'), 3);
    assert.equal(a.number('lr'), -0.001);
    assert.equal(a.flag('json'), true);
    assert.deepEqual(a.positionals, []);
    const b = parseArgs(spec, ['--', '--json'])!;
    assert.equal(b.flag('json'), false);
    assert.deepEqual(b.positionals, ['--json']);
    assert.equal(b.has('epochs'), false);
    assert.equal(b.integer('epochs'), undefined);
    assert.deepEqual(b.strings('seismic'), []);
    assert.throws(() => parseArgs(spec, ['x', '--', '--json']), /unexpected argument "--json"/);
  });

  it('a list option stops at the next option, and a positional after a flag stays positional', () => {
    const a = parseArgs(spec, ['--json', 'extra', '--seismic', 'a', 'b'])!;
    assert.deepEqual(a.positionals, ['extra']);
    assert.deepEqual(a.strings('seismic'), ['a', 'b']);
  });

  it('rejects unknown options (with a suggestion), missing values, bad numbers and repeats', () => {
    usageError(['--epoch', '3'], /unknown option --epoch; did you mean --epochs\?/);
    usageError(['--zzz'], /unknown option --zzz \(see/);
    usageError(['-x'], /unknown option -x/);
    usageError(['--out'], /option --out needs a value \(DIR\)/);
    usageError(['--out', '--json'], /option --out needs a value/);
    usageError(['--epochs', 'ten'], /needs a number, got "ten"/);
    usageError(['--epochs', '2.5'], /needs an integer, got "2.5"/);
    usageError(['--lr', ''], /needs a number/);
    usageError(['--out', 'a', '--out', 'b'], /given more than once/);
    usageError(['--json=yes'], /takes no value/);
    usageError(['a', 'b'], /unexpected argument "b"/);
  });

  it('requires required positionals and options', () => {
    const req: CommandSpec = { ...spec, positionals: [{ name: 'FILE', help: 'input' }] };
    assert.throws(() => parseArgs(req, ['--json']), /missing FILE/);
    assert.throws(() => parseArgs(spec, [])!.requireString('out'), /missing required option --out/);
  });

  it('prints help for --help and -h and returns undefined', () => {
    let printed = '';
    assert.equal(parseArgs(spec, ['--out', 'x', '--help'], (t) => { printed = t; }), undefined);
    assert.match(printed, /^usage: seisgrow train --seismic A\.npy/);
    assert.match(printed, /--epochs N\s+epochs per stage \(default: 10\)/);
    assert.match(printed, /--json\s+JSON output/);
    assert.match(printed, /Closing words\./);
    assert.equal(parseArgs(spec, ['-h'], () => undefined), undefined);
    assert.equal(formatHelp(spec), printed);
  });

  it('catches a verb asking for an undeclared option (a programming error, not a usage error)', () => {
    const a = parseArgs(spec, [])!;
    assert.throws(() => a.flag('nope'), (e: unknown) => !(e instanceof SeisGrowError) && /not declared/.test(String(e)));
  });
});
