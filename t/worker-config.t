# Bad worker configurations give one clear line each, naming the file, the
# line and the problem; nothing starts on a bad config.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(run_cmd worker_bin spurt test_dir top_dir);

my $dir = test_dir();
my $good = <<'EOF_CONF';
# a comment
database = "host=/tmp dbname=streamvault"
redis = 127.0.0.1:6379
media_root = /srv/media
sql_dir = /usr/share/streamvault/sql
log_file = stderr
log_level = info
worker_id = box-1
heartbeat_interval = 5
job_lease_seconds = 30
EOF_CONF

sub check {
    my ($text, %o) = @_;
    my $path = "$dir/worker.conf";
    spurt($path, $text) if defined $text;
    return run_cmd([worker_bin(), '-c', $o{path} // $path, @{ $o{args} // ['--check-config'] }],
                   env => $o{env} // {}, timeout => 30);
}

my $r = check($good);
is($r->{status}, 0, 'a good config passes --check-config') or diag($r->{err});
like($r->{out}, qr/configuration file \Q$dir\E\/worker\.conf is ok/, 'and says so');

# The shipped template, rendered, is a good config too.
my $rendered = run_cmd([top_dir() . '/scripts/render-conf', top_dir() . '/conf/worker.conf.in',
    'PG_CONNINFO=dbname=streamvault', 'REDIS=unix:/run/redis.sock', 'MEDIA_ROOT=/srv/media',
    'SQL_DIR=/usr/share/streamvault/sql', 'LOG_FILE=stderr', 'SECRET_FILE=/etc/streamvault/secret']);
$r = check($rendered->{out});
is($r->{status}, 0, 'conf/worker.conf.in renders to a valid config') or diag($r->{err});

my @bad = (
    [ "bogus = 1\n",                         qr/:1: .*bogus/,                   'unknown key' ],
    [ "$good" . "log_level = info\n",        qr/:11: .*log_level/,              'duplicate key' ],
    [ "log_level = loud\n",                  qr/:1: .*log_level/,               'bad log level' ],
    [ "heartbeat_interval = 0\n",            qr/:1: .*heartbeat_interval/,      'interval too small' ],
    [ "heartbeat_interval = 5s\n",           qr/:1: .*heartbeat_interval/,      'interval not a number' ],
    [ "heartbeat_interval = 99999999999999999999\n", qr/:1: .*heartbeat_interval/, 'interval overflow' ],
    [ "job_lease_seconds = 1\n",             qr/:1: .*job_lease_seconds/,       'a lease too short' ],
    [ "job_lease_seconds = 3601\n",          qr/:1: .*job_lease_seconds/,       'a lease too long' ],
    [ "redis = 127.0.0.1:99999\n",           qr/:1: .*redis/,                   'redis port out of range' ],
    [ "redis = unix:relative.sock\n",        qr/:1: .*redis/,                   'redis socket not absolute' ],
    [ "media_root = media\n",                qr/:1: .*media_root/,              'relative media root' ],
    [ "log_file = log.txt\n",                qr/:1: .*log_file/,                'relative log file' ],
    [ "worker_id = a/b\n",                   qr/:1: .*worker_id/,               'worker id with a slash' ],
    [ "database = \"host=/tmp port=\"x\n",   qr/:1: /,                          'broken quoting' ],
    [ "database = \"nosuchoption=1\"\n",     qr/:1: .*(database|nosuchoption)/, 'libpq rejects the conninfo' ],
    [ "no equals sign\n",                    qr/:1: /,                          'a line without =' ],
    [ "\n\n" . ('x' x 5000) . " = 1\n",      qr/:3: /,                          'an overlong line' ],
);
for my $case (@bad) {
    my ($text, $re, $what) = @$case;
    $r = check($text);
    is($r->{status}, 2, "$what: exit 2");
    like($r->{err}, qr/^streamvault-worker: \Q$dir\E\/worker\.conf$re/m, "$what: a clear error")
        or diag($r->{err});
}

$r = check(undef, path => "$dir/missing.conf");
is($r->{status}, 2, 'a missing config file: exit 2');
like($r->{err}, qr/cannot open \Q$dir\E\/missing\.conf/, 'and says which file');

$r = check($good, env => { STREAMVAULT_LOG_LEVEL => 'loud' });
is($r->{status}, 2, 'a bad environment override: exit 2');
like($r->{err}, qr/STREAMVAULT_LOG_LEVEL/, 'names the variable');

$r = check($good, env => { STREAMVAULT_HEARTBEAT_INTERVAL => '7' });
is($r->{status}, 0, 'a good environment override passes');

# Normal start refuses a bad config before touching anything.
$r = check("bogus = 1\n", args => []);
is($r->{status}, 2, 'the daemon refuses to start on a bad config');

$r = run_cmd([worker_bin(), '--version']);
like($r->{out}, qr/^streamvault-worker \d+\.\d+\.\d+$/m, '--version');
$r = run_cmd([worker_bin(), '--no-such-option']);
is($r->{status}, 2, 'an unknown option: exit 2');

done_testing;
