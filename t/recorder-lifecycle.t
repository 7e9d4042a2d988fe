# Recordings inside the worker daemon, from the API to the library, against
# the fake Twitch: POST /api/recordings queues a record job, the worker
# claims the recording and records it in its own loop; the stream's end
# finalizes it and queues the post-processing, which makes a library item
# ffprobe reads; an RTMP feed (ffmpeg serving it) goes the same way through
# libavformat, and an audio-only one becomes an item without pictures. GET /api/recordings/active shows bytes/s while it runs and
# POST /api/recordings/{id}/stop ends it with its last segment whole. A
# kill -9 of the worker loses nothing: the restarted worker resumes the same
# recording in the same folder, no segment twice, none missing; SIGTERM
# leaves only whole segments and the recording to resume; twenty channels
# record at once, each complete; a recording whose worker died is finalized
# as a ghost; a long recording rolls over into a second part with nothing
# lost or twice; max_recordings holds a third back until one ends; below
# min_free_mb the disk guard stops recordings, refuses new ones and
# publishes an event. A user token that does not open with the worker's
# key leaves recordings anonymous, said in the log. A streamer's chat is archived with its recording, and
# its proxy carries every request of it. Real PostgreSQL,
# Redis, nginx and the sanitizer worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(start_stack wait_for run_cmd slurp spurt alive);
use StreamVault::FakeTwitch;
use StreamVault::FakeTwitchIRC;
use StreamVault::EventSub;

my @crowd = map { sprintf 'crowd%02d', $_ } 1 .. 20;
my $tw = StreamVault::FakeTwitch->new(
    segment_duration => 1,
    backlog          => 2,
    channels         => { map { ($_ => { live => 0 }) } qw(carol alice dave erin frank), @crowd });

alarm 400;
my $stack = StreamVault::Test::stack_object(env => {
    STREAMVAULT_TWITCH_GQL_URL              => $tw->gql_url,
    STREAMVAULT_TWITCH_USHER_URL            => $tw->url,
    STREAMVAULT_RECORDING_GRACE_SECONDS     => 3,
    STREAMVAULT_RECORDING_STALL_SECONDS     => 30,
});
my $dir = $stack->dir;
# the chat server's CA where the worker's user can read it
make_path("$dir/irc");
my $irc = StreamVault::FakeTwitchIRC->new(dir => "$dir/irc");
$stack->env->{STREAMVAULT_TWITCH_IRC_ADDR} = $irc->addr;
$stack->env->{STREAMVAULT_TWITCH_IRC_CA} = $irc->ca_file;
$stack->start;
my $media = "$dir/media";
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');

my %streamer;
my $n = 0;
for my $login (qw(carol alice dave erin frank), @crowd) {
    $n++;
    $streamer{$login} = $stack->psql("INSERT INTO streamers (platform, twitch_id, login, display_name)"
                                     . " VALUES ('twitch', '$n', '$login', '\u$login') RETURNING id");
}

# hostile bodies
for my $bad ([ {}, 'neither' ], [ { streamer_id => $streamer{carol} + 0, source_url => 'https://x.example/a.m3u8' }, 'both' ],
             [ { source_url => 'file:///etc/passwd' }, 'a file URL' ], [ { source_url => "https://x.example/\n" }, 'a newline' ],
             [ { streamer_id => 999999 }, 'no such streamer' ], [ { streamer_id => $streamer{carol} + 0, duration_s => 0 }, 'duration 0' ],
             [ { streamer_id => $streamer{carol} + 0, extra => 1 }, 'an unknown field' ]) {
    my $r = $stack->api('POST', '/api/recordings', as => $admin, json => $bad->[0]);
    is($r->{status}, 422, "POST /api/recordings, $bad->[1]: 422");
}
is($stack->psql('SELECT count(*) FROM recordings'), 0, 'no recording made by them');

sub row {
    my ($id) = @_;
    my $t = $stack->psql("SELECT row_to_json(r) FROM recordings r WHERE id = $id");
    return $t ? decode_json($t) : {};
}

sub start_recording {
    my ($login, %extra) = @_;
    my $r = $stack->api('POST', '/api/recordings', as => $admin,
                        json => { streamer_id => $streamer{$login} + 0, %extra });
    is($r->{status}, 202, "$login: POST /api/recordings answers 202")
        or diag explain $r->{json};
    return ($r->{json} // {})->{recording_id};
}

# The segment files of a raw folder, by number.
sub segments {
    my ($rel) = @_;
    opendir my $dh, "$media/$rel" or return ();
    return sort { $a <=> $b } map { /^(\d{12})\.ts$/ ? $1 + 0 : () } readdir $dh;
}

sub nseg { my @s = segments(@_); return scalar @s }

# Duration of the concatenated segments of a folder, as ffprobe reads it.
sub probe_concat {
    my ($rel, @nums) = @_;
    my $cat = "$dir/concat.ts";
    open my $out, '>:raw', $cat or die $!;
    print {$out} slurp(sprintf "$media/$rel/%012d.ts", $_) for @nums;
    close $out;
    my $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', $cat],
                    timeout => 30);
    return $p->{status} == 0 ? $p->{out} + 0 : -1;
}

# --- a broadcast from start to library item ---
# (with a user token sealed under another key: it does not open, the
# recording goes on without)
spurt("$dir/other-secret", 'x' x 40);
my $foreign = StreamVault::EventSub::seal("$dir/other-secret", 'twitch.user_token', 'foreigntoken0123456789');
$stack->psql("INSERT INTO settings (key, value) VALUES ('twitch.user_token', to_jsonb('$foreign'::text))");
$stack->psql("UPDATE streamers SET chat_archive = true WHERE id = $streamer{carol}");
$tw->start_channel('carol', script => [ [ content => 6 ], [ offline => undef ] ]);
my $carol = start_recording('carol');
ok(wait_for(sub { (row($carol)->{state} // '') eq 'recording' }, 15), 'carol: the worker claims the recording');
ok($irc->wait_joined('carol'), 'carol: her chat is joined');
$irc->privmsg('carol', user => 'viewer1', text => 'hello there');
$irc->privmsg('carol', user => 'viewer2', text => "caf\x{e9} \x{1F3AE}");
my $c = row($carol);
is($c->{raw_dir}, "raw/$carol", 'carol: its raw folder');
ok(wait_for(sub { (row($carol)->{state} // '') eq 'ready' }, 90), 'carol: the stream ends, post-processing makes it ready')
    or diag explain row($carol);
my @gql = $tw->requests(kind => 'gql', channel => 'carol', status => 200);
ok(@gql && !grep({ $_->{authorization} ne '' } @gql), 'carol: a user token that does not open: GQL asked anonymously');
like($stack->log_text('worker.log'), qr/"msg":"recording anonymously: twitch.user_token is set but unusable".*"recording":$carol\b.*does not open with the key of secret_file/,
     'carol: the log says why');
$stack->psql(q{DELETE FROM settings WHERE key = 'twitch.user_token'});
$c = row($carol);
is($c->{end_reason}, 'ended', 'carol: ended with the stream');
ok(-s "$media/$c->{file_path}", "carol: the library file $c->{file_path} exists");
my $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0',
                 "$media/$c->{file_path}"], timeout => 30);
my $served = () = grep { defined $_->{content} } $tw->served(channel => 'carol');
ok(abs($p->{out} - $served) <= 1.01, "carol: duration " . ($p->{out} + 0) . " s for $served content segments served");
is($stack->psql("SELECT count(*) FROM jobs WHERE recording_id = $carol AND type = 'postprocess'"), 1,
   'carol: one postprocess job');
my $chat = $stack->psql("SELECT path FROM media_assets WHERE recording_id = $carol AND kind = 'chat'");
like($chat, qr{/\.streamvault/.*\.chat\.jsonl$}, 'carol: the chat archive is an asset next to the video');
my @lines = grep { $_->{command} eq 'PRIVMSG' } map { decode_json($_) } split /\n/, slurp("$media/$chat") // '';
is_deeply([ map { [ $_->{user}, $_->{text} ] } @lines ], [ [ 'viewer1', 'hello there' ], [ 'viewer2', "caf\x{e9} \x{1F3AE}" ] ],
          'carol: both messages, in order');
ok(!grep({ $_->{offset_ms} < 0 || $_->{offset_ms} > 15000 } @lines), 'carol: offsets from the recording start')
    or diag explain \@lines;
ok(!-e "$media/raw/$carol", 'carol: the raw folder is gone');

# --- any other source: RTMP through libavformat, served by ffmpeg ---
# (ffmpeg -listen serves one client: a probe connection would be it)
sub listening {
    my ($port) = @_;
    my $hex = sprintf '%04X', $port;
    return grep { /^\s*\d+:\s+[0-9A-F]+:$hex\s+\S+\s+0A\s/ } split /\n/, slurp('/proc/net/tcp') // '';
}
my @video = ('-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30');
my @audio = ('-f', 'lavfi', '-i', 'sine=frequency=440');
for my $feed ([ 'rtmp', [ @video, @audio, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', 30 ], 3 ],
              [ 'rtmp audio only', [ @audio ], 0 ]) {
    my ($what, $input, $pictures) = @$feed;
    my $port = StreamVault::Test::free_port();
    my $pid = fork // die;
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/log/rtmp-feed.log";
        open STDERR, '>&', \*STDOUT;
        exec 'ffmpeg', '-v', 'error', '-re', @$input, '-t', 6, '-c:a', 'aac', '-f', 'flv', '-listen', 1,
             "rtmp://127.0.0.1:$port/live/feed" or die;
    }
    StreamVault::Test::track_child($pid);
    ok(wait_for(sub { listening($port) }, 10), "$what: the feed listens");
    my $r = $stack->api('POST', '/api/recordings', as => $admin,
                        json => { source_url => "rtmp://127.0.0.1:$port/live/feed", title => 'A feed' });
    is($r->{status}, 202, "$what: POST /api/recordings of a source URL answers 202") or diag explain $r->{json};
    my $id = ($r->{json} // {})->{recording_id};
    ok(wait_for(sub { (row($id)->{state} // '') eq 'ready' }, 60), "$what: the feed ends, the item is ready")
        or diag explain row($id);
    my $f = row($id);
    is($f->{end_reason}, 'ended', "$what: ended with its source");
    $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0',
                  "$media/$f->{file_path}"], timeout => 30);
    ok(abs($p->{out} - 6) <= 1.5, "$what: the library file holds the feed (" . ($p->{out} + 0) . ' s of 6)');
    is($stack->psql("SELECT count(*) FROM media_assets WHERE recording_id = $id"
                    . " AND kind IN ('thumbnail', 'sprite', 'sprite_vtt')"), $pictures,
       "$what: $pictures picture assets");
}

# --- a streamer's proxy: every request of its recording goes through it ---
# A forward HTTP proxy: one request per connection, answered through a
# connection of its own to the origin, each request line logged (its
# processes leave with _exit: the test's END blocks are not theirs).
my $proxy_log = "$dir/proxy.log";
my $proxy = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16, ReuseAddr => 1)
    or die "proxy: $!";
my $proxy_pid = fork // die;
if ($proxy_pid == 0) {
    $SIG{CHLD} = 'IGNORE';
    while (my $c = $proxy->accept) {
        next if fork;
        my ($line, $head, $len, $body) = (scalar <$c> // '', '', 0, '');
        while (my $h = <$c>) {
            last if $h =~ /^\r?\n$/;
            $len = $1 if $h =~ /^Content-Length:\s*(\d+)/i;
            $head .= $h unless $h =~ /^(Connection|Proxy-Connection):/i;
        }
        read($c, $body, $len) if $len;
        my ($method, $host, $port, $path) = $line =~ m{^(\w+) http://([^/:]+):(\d+)(/\S*) HTTP} or POSIX::_exit(0);
        open my $log, '>>', $proxy_log;
        print {$log} "$method $path\n";
        close $log;
        my $o = IO::Socket::INET->new("$host:$port") or POSIX::_exit(0);
        print {$o} "$method $path HTTP/1.1\r\n${head}Connection: close\r\n\r\n$body";
        print {$c} $_ while <$o>;
        POSIX::_exit(0);
    }
    POSIX::_exit(0);
}
StreamVault::Test::track_child($proxy_pid);
$stack->psql("UPDATE streamers SET proxy_url = 'http://127.0.0.1:" . $proxy->sockport . "' WHERE id = $streamer{frank}");
$tw->start_channel('frank', script => [ [ content => 3 ], [ offline => undef ] ]);
my $frank = start_recording('frank');
ok(wait_for(sub { (row($frank)->{state} // '') =~ /^(processing|ready)$/ }, 30), 'proxy: recorded and ended');
my $through = slurp($proxy_log) // '';
like($through, qr{^POST /gql}m, 'proxy: the token request went through it');
like($through, qr{^GET /api/channel/hls/frank\.m3u8}m, 'proxy: the usher request too');
my $segments = () = $through =~ m{^GET \S+\.ts}mg;
is($segments, 3, 'proxy: and the three segments');

# --- the active list, and a stop through the API ---
$tw->start_channel('alice', script => [ [ content => undef ] ]);
my $alice = start_recording('alice');
ok(wait_for(sub { (row($alice)->{bytes} // 0) > 0 }, 20), 'alice: bytes are reported while recording');
my $active;
ok(wait_for(sub {
    $active = $stack->api('GET', '/api/recordings/active', as => $admin)->{json};
    my ($a) = grep { $_->{id} == $alice } @{ $active->{items} // [] };
    $a && $a->{state} eq 'recording' && $a->{bytes_per_s} > 0 }, 20), 'alice: active with bytes/s')
    or diag explain $active;
my $again = $stack->api('POST', '/api/recordings', as => $admin, json => { streamer_id => $streamer{alice} + 0 });
is_deeply([ @{ $again->{json} // {} }{qw(recording_id already)} ], [ $alice, JSON::PP::true ],
          'alice: one broadcast is one recording (already)');
my $stop = $stack->api('POST', "/api/recordings/$alice/stop", as => $admin);
is($stop->{status}, 200, 'alice: stop answers 200');
ok(wait_for(sub { (row($alice)->{state} // '') =~ /^(processing|ready)$/ }, 20), 'alice: stopped and finalized');
is_deeply([ @{ row($alice) }{qw(error end_reason)} ], [ undef, 'stopped' ], 'alice: ended by the stop, no error');
is($stack->api('POST', "/api/recordings/$alice/stop", as => $admin)->{status}, 409, 'alice: stopping again is a 409');

# --- kill -9, then resume ---
$tw->start_channel('dave', script => [ [ content => undef ] ]);
my $dave = start_recording('dave');
ok(wait_for(sub { nseg("raw/$dave") >= 3 }, 20), 'dave: recording');
kill 'KILL', $stack->pid('worker');
ok(wait_for(sub { !alive($stack->pid('worker')) }, 10), 'dave: the worker is killed');
sleep 1;
$stack->start_components('worker');
ok(wait_for(sub { $stack->log_text('worker.log') =~ /"msg":"recordings resumed"/ }, 20), 'dave: resumed at start');
my $before = nseg("raw/$dave");
ok(wait_for(sub { nseg("raw/$dave") >= $before + 3 }, 20), 'dave: the same folder grows again');
is(row($dave)->{state}, 'recording', 'dave: the same recording');
$stack->api('POST', "/api/recordings/$dave/stop", as => $admin);
ok(wait_for(sub { (row($dave)->{state} // '') ne 'recording' }, 20), 'dave: stopped');
my @d = segments("raw/$dave");
is_deeply(\@d, [ $d[0] .. $d[-1] ], 'dave: no segment missing or twice across the kill (' . scalar(@d) . ')');
ok(!glob("$media/raw/$dave/*.part"), 'dave: no partial segment left');
my $dur = probe_concat("raw/$dave", @d);
ok(abs($dur - @d) <= 1.01, "dave: ffprobe reads $dur s of " . scalar(@d) . ' segments');

# --- SIGTERM leaves whole segments and the recording to resume ---
$tw->start_channel('erin', script => [ [ content => undef ] ]);
my $erin = start_recording('erin');
ok(wait_for(sub { nseg("raw/$erin") >= 3 }, 20), 'erin: recording');
my $wpid = $stack->pid('worker');
kill 'TERM', $wpid;
ok(wait_for(sub { !alive($wpid) }, 20), 'erin: the worker stops on SIGTERM');
like($stack->log_text('worker.log'), qr/"msg":"stopped"/, 'erin: a clean stop');
ok(!glob("$media/raw/$erin/*.part"), 'erin: only whole segments');
my @e = segments("raw/$erin");
$dur = probe_concat("raw/$erin", @e);
ok(abs($dur - @e) <= 1.01, "erin: ffprobe reads the file to the end ($dur s)");
is(row($erin)->{state}, 'recording', 'erin: left to resume');
$stack->start_components('worker');
ok(wait_for(sub { nseg("raw/$erin") > @e }, 20), 'erin: resumed after the restart');
$stack->api('POST', "/api/recordings/$erin/stop", as => $admin);

# --- twenty at once ---
$tw->start_channel($_, script => [ [ content => 5 ], [ offline => undef ] ]) for @crowd;
my %crowd = map { ($_ => start_recording($_)) } @crowd;
ok(wait_for(sub { !grep { (row($_)->{state} // '') =~ /^(pending|recording)$/ } values %crowd }, 60),
   'twenty: all ended');
my @bad;
for my $login (@crowd) {
    my $r = row($crowd{$login});
    my $served = () = grep { defined $_->{content} } $tw->served(channel => $login);
    push @bad, "$login: $r->{state}, $r->{duration_ms} ms for $served segments of 1 s"
        unless $r->{state} =~ /^(processing|ready)$/ && $r->{duration_ms} == 1000 * $served;
}
is_deeply(\@bad, [], 'twenty: each recording has every content segment once, and is finalized')
    or diag explain \@bad;

# --- a worker of the test's own: ghosts, rollover, max_recordings, the disk guard ---
kill 'TERM', $stack->pid('worker');
ok(wait_for(sub { !alive($stack->pid('worker')) }, 20), 'the stack worker stopped');
my $conf = $stack->worker_conf(extra => "twitch_gql_url = " . $tw->gql_url . "\ntwitch_usher_url = " . $tw->url . "\n");
spurt($conf, slurp($conf) =~ s/^recording_rollover_mb = \d+$/recording_rollover_mb = 1/mr
                          =~ s/^max_recordings = \d+$/max_recordings = 2/mr);
# a recording of a worker that died long ago
my $ghost = $stack->psql("INSERT INTO recordings (streamer_id, state, worker_id, started_at, progress_at)"
                         . " VALUES ($streamer{crowd01}, 'recording', 'gone', now() - interval '1 hour',"
                         . " now() - interval '1 hour') RETURNING id");
my $events = "$dir/events.txt";
my $sub = fork // die;
if ($sub == 0) {
    open STDOUT, '>', $events;
    exec 'redis-cli', '-s', $stack->redis_socket, 'SUBSCRIBE', 'streamvault:events' or die;
}
StreamVault::Test::track_child($sub);
my $w = $stack->spawn_worker('-c', $conf);
ok(wait_for(sub { (row($ghost)->{end_reason} // '') eq 'ghost' }, 20), 'ghost: finalized by the new worker');
is_deeply([ @{ row($ghost) }{qw(state error)} ], [ 'failed', 'ghost: its worker stopped reporting' ],
          'ghost: nothing recorded, so failed, saying why');

# parts of 1 MB (about 13 segments of the fake's 1 s), 20 s in all
$tw->start_channel('alice', script => [ [ content => undef ] ]);
my $part1 = start_recording('alice', duration_s => 20);
my $part2;
ok(wait_for(sub { $part2 = $stack->psql("SELECT id FROM recordings WHERE streamer_id = $streamer{alice}"
                                        . " AND part = 2 AND state NOT IN ('pending', 'recording')") }, 60),
   'rollover: a second part follows and ends');
is_deeply([ map { row($_)->{end_reason} } $part1, $part2 ], [ 'rollover', 'duration' ],
          'rollover: the first part rolled over, the second reached the duration');
is(row($part1)->{duration_ms} + row($part2)->{duration_ms}, 20000,
   'rollover: 20 s in the two parts, no segment twice or missing');

# at most two at once
$tw->start_channel($_, script => [ [ content => undef ] ]) for qw(crowd02 crowd03 crowd04);
my @three = map { start_recording($_) } qw(crowd02 crowd03 crowd04);
ok(wait_for(sub { ($stack->psql("SELECT string_agg(last_error, ' ') FROM jobs WHERE type = 'record'"
                                . " AND recording_id IN (" . join(',', @three) . ")") // '') =~ /max_recordings/ }, 20),
   'max_recordings: the third record job fails, to be retried');
is($stack->psql("SELECT count(*) FROM recordings WHERE state = 'recording'"), 2, 'max_recordings: two record');
my ($first) = grep { (row($_)->{state} // '') eq 'recording' } @three;
$stack->api('POST', "/api/recordings/$first/stop", as => $admin);
ok(wait_for(sub { !grep { (row($_)->{state} // '') eq 'pending' } @three }, 30),
   'max_recordings: the third starts once one ended');
$stack->api('POST', "/api/recordings/$_/stop", as => $admin) for @three;
ok(wait_for(sub { !grep { (row($_)->{state} // '') eq 'recording' } @three }, 20), 'max_recordings: all stopped');

# the disk guard
my $alice2 = start_recording('alice');
ok(wait_for(sub { nseg("raw/$alice2") >= 2 }, 20), 'disk: recording');
spurt($conf, slurp($conf) =~ s/^min_free_mb = \d+$/min_free_mb = 100000000/mr);
kill 'HUP', $w;
ok(wait_for(sub { (row($alice2)->{state} // '') ne 'recording' }, 20), 'disk: the guard stops the recording');
is(row($alice2)->{end_reason}, 'disk', 'disk: the reason is recorded');
like($stack->log_text('test-worker.log'), qr/"why":"disk","error":"the media disk has \d+ MB free, less than min_free_mb/,
     'disk: and logged');
my $carol2 = start_recording('carol');
ok(wait_for(sub { ($stack->psql("SELECT last_error FROM jobs WHERE recording_id = $carol2 AND type = 'record'")
                   // '') =~ /min_free_mb/ }, 20), 'disk: a new recording is refused while the disk is low');
ok(wait_for(sub { (slurp($events) // '') =~ /"type":"disk_low"/ }, 10), 'disk: the disk_low event is published');
ok(wait_for(sub { !grep { (row($_)->{state} // '') ne 'ready' } values %crowd }, 180),
   'twenty: all post-processed');
@bad = ();
for my $login (@crowd) {
    my $r = row($crowd{$login});
    my $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0',
                     "$media/$r->{file_path}"], timeout => 30);
    push @bad, "$login: $p->{out}" unless $p->{status} == 0 && abs($p->{out} - 5) <= 1.01;
}
is_deeply(\@bad, [], 'twenty: every library file holds its 5 s');
kill 'TERM', $w;
is($stack->reap($w, 20), 0, 'the worker exits 0');
kill 'KILL', $sub;

done_testing;
