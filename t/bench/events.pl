# GET /api/events fan-out: 100 streams on one nginx worker receive 5,000
# numbered events published in one burst (the worker's seq script shape,
# 200-byte events); the anchor is Redis' own pub/sub fan-out to 100
# subscribers of the same channel, read by the same client loop. Figures:
# deliveries per second (events x clients / time until the last client has
# the last event), and the clients' completion times.
use strict;
use warnings;
use lib 't/lib';
use IO::Select;
use IO::Socket::INET;
use IO::Socket::UNIX;
use Time::HiRes qw(time);
use StreamVault::Test qw(stack_object run_cmd);
use StreamVault::Bench qw(report percentile);

my $CLIENTS = 100;
my $EVENTS = 5000;
my $PAD = 'x' x 150;

my $stack = stack_object(only => 'pg redis nginx', env => { SV_NGINX_WORKERS => 1 },
                         nginx_http => "streamvault_events_buffer 2m;\n");
$stack->start;
my $dir = $stack->dir;
my $r = run_cmd([StreamVault::Test::build_dir() . '/streamvault-worker', '-c',
                 $stack->worker_conf(log_file => 'stderr'), '--create-admin', "$dir/initial-admin.txt"],
                timeout => 60);
die "the worker could not migrate: $r->{err}" if $r->{status};
my $admin = $stack->login('admin', $stack->admin_password);
die "no login\n" unless $admin->{status} == 200;

# The burst, numbered as worker/event_publish.c numbers events; the last
# one ends with a marker the readers look for.
my $BURST = <<'EOF_LUA';
for i = 1, tonumber(ARGV[1]) do
    local seq = redis.call('INCR', KEYS[1])
    local last = i == tonumber(ARGV[1]) and ',"last":1' or ''
    redis.call('PUBLISH', KEYS[2], '{"seq":' .. seq .. ',"type":"bench","pad":"' .. ARGV[2]
                                   .. '","n":' .. i .. last .. '}')
end
EOF_LUA
sub publish {
    $stack->redis('EVAL', $BURST, 2, 'streamvault:events:seq', 'streamvault:events', $EVENTS, $PAD);
}

# Reads every socket until each has seen the marker; per-client seconds.
sub drain {
    my ($t0, @socks) = @_;
    my $sel = IO::Select->new(@socks);
    my (%tail, %done);
    while ($sel->count) {
        for my $s ($sel->can_read(30)) {
            my $n = sysread($s, my $buf, 262144);
            die "a client was closed before the last event\n" unless $n;
            my $t = ($tail{$s} // '') . $buf;
            if ($t =~ /"last":1\}/) {
                $done{$s} = time - $t0;
                $sel->remove($s);
            }
            $tail{$s} = length($t) > 32 ? substr($t, -32) : $t;
        }
        die "timed out\n" if time - $t0 > 120;
    }
    return values %done;
}

sub measure {
    my ($open) = @_;
    my @socks = map { $open->() } 1 .. $CLIENTS;
    sleep 1;
    for my $s (@socks) { sysread($s, my $hello, 65536) }      # what came at once
    my $t0 = time;
    publish();
    my @t = drain($t0, @socks);
    close $_ for @socks;
    my $all = (sort { $a <=> $b } @t)[-1];
    return { rps => $CLIENTS * $EVENTS / $all, p50_ms => percentile(50, @t) * 1000,
             p99_ms => percentile(99, @t) * 1000 };
}

my $sse = measure(sub {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $stack->port) or die "connect: $!";
    print {$s} "GET /api/events HTTP/1.1\r\nHost: x\r\nCookie: sv_session=$admin->{session}\r\n\r\n";
    $s->blocking(0);
    return $s;
});
my $redis = measure(sub {
    my $s = IO::Socket::UNIX->new(Peer => $stack->redis_socket) or die "connect: $!";
    print {$s} "*2\r\n\$9\r\nSUBSCRIBE\r\n\$18\r\nstreamvault:events\r\n";
    $s->blocking(0);
    return $s;
});

print "== GET /api/events fan-out: $CLIENTS streams, $EVENTS events of ~200 bytes (deliveries/s)\n";
report("SSE streams from one nginx worker", $sse, $redis, "Redis pub/sub, $CLIENTS subscribers");
$stack->stop;
