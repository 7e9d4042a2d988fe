# The libavformat recorder through `streamvault-worker --record-url` (the
# sanitizer build) against real servers on loopback: RTMP and SRT served by
# ffmpeg, RTSP by rtsp-server-perl fed by ffmpeg, HTTP progressive (a file
# with a length, and a live MPEG-TS stream) and Icecast (ICY with metadata)
# from a small server here. Each live source drops and comes back while
# recorded (the same folder goes on, a discontinuity noted), then SIGTERM
# ends it: only whole segments that ffprobe reads end to end, as long as
# the summary says. A file ends at its end; --duration cuts; a silent
# source ends "stalled"; bad URLs and hosts fail saying why.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use IO::Socket::INET;
use JSON::PP qw(decode_json);
use POSIX ();
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(run_cmd test_dir slurp free_port worker_bin);

alarm 110;
for my $tool (qw(ffmpeg ffprobe rtsp-server-perl)) {
    plan skip_all => "$tool is not installed (./configure --install-deps)"
        unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
}
my $dir = test_dir();
my $bin = worker_bin();
make_path("$dir/log");
my %san = StreamVault::Test::sanitizer_env("$dir/log");

# --- media and servers ---

my @lavfi = ('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i',
             'sine=frequency=440:sample_rate=44100');
my @enc = ('-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac');
for my $m ([ 'file.ts', 8, @enc ], [ 'live.ts', 40, @enc ],
           [ 'audio.mp3', 40, '-vn', '-c:a', 'libmp3lame', '-b:a', '64k' ]) {
    my ($name, $secs, @codec) = @$m;
    my $r = run_cmd([ 'ffmpeg', '-v', 'error', @lavfi, '-t', $secs, @codec, "$dir/$name" ], timeout => 60);
    $r->{status} == 0 or BAIL_OUT("ffmpeg cannot make $name: $r->{err}");
}

# Processes by name, so a source can be dropped and brought back.
my %proc;
sub spawn {
    my ($name, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/log/$name.out";
        open STDERR, '>>', "$dir/log/$name.err";
        exec @cmd or die "exec: $!";
    }
    StreamVault::Test::track_child($pid);
    $proc{$name} = $pid;
}
sub finish {
    my ($name) = @_;
    my $pid = delete $proc{$name} or return;
    kill 'KILL', $pid;
    waitpid($pid, 0);
}
END { local $?; finish($_) for keys %proc }

# An HTTP server in a child, a child per connection. Modes: "file" (a
# length, ranges), "live" (MPEG-TS at its bit rate, no length), "icy"
# (Icecast: MP3 with ICY metadata every 8000 bytes), "silent" (ICY, then
# nothing after 3 s). "live" and "icy" drop the first connection after 4 s.
sub serve {
    my ($mode, $file, $seconds) = @_;
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 16,
                                  ReuseAddr => 1, Proto => 'tcp') or die "listen: $!";
    my $pid = fork // die "fork: $!";
    if ($pid) {
        StreamVault::Test::track_child($pid);
        $proc{"http-$mode"} = $pid;
        my $port = $l->sockport;
        close $l;
        return "http://127.0.0.1:$port";
    }
    # Children leave with _exit: the END block is the test's.
    $SIG{CHLD} = 'IGNORE';
    open STDOUT, '>>', "$dir/log/http-$mode.out";
    open STDERR, '>>', "$dir/log/http-$mode.err";
    my $data = slurp($file);
    my ($t0, $n) = (time, 0);
    while (my $c = $l->accept) {
        $n++;
        next if fork;
        close $l;
        my $req = '';
        while (<$c>) { $req .= $_; last if /^\r?\n$/ }
        eval { answer($c, $mode, $req, $data, $seconds, $t0, $n) };
        POSIX::_exit(0);
    }
    POSIX::_exit(0);
}
sub answer {
    my ($c, $mode, $req, $data, $seconds, $t0, $n) = @_;
    my $size = length $data;
    if ($mode eq 'file') {
        my $from = $req =~ /^Range: bytes=(\d+)-/mi ? $1 : 0;
        my $status = $from ? "206 Partial Content\r\nContent-Range: bytes $from-" . ($size - 1) . "/$size"
                           : '200 OK';
        print $c "HTTP/1.1 $status\r\nContent-Type: video/mp2t\r\nAccept-Ranges: bytes\r\n"
               . 'Content-Length: ' . ($size - $from) . "\r\nConnection: close\r\n\r\n";
        print $c substr($data, $from);
        return;
    }
    my $icy = $mode ne 'live';
    if ($icy) {
        print $c "ICY 200 OK\r\nContent-Type: audio/mpeg\r\nicy-name: StreamVault test\r\n"
               . "icy-metaint: 8000\r\n\r\n";
    } else {
        print $c "HTTP/1.0 200 OK\r\nContent-Type: video/mp2t\r\n\r\n";
    }
    $c->autoflush(1);
    # Live: where the stream is now, 64 KiB ahead on connecting (as
    # Icecast's burst-size).
    my $rate = $size / $seconds;
    my $pos = int((time - $t0) * $rate) % $size;
    my ($start, $sent, $block, $server) = (time, 0, 0, getppid);
    while (getppid == $server) {        # the server killed: done
        my $due = ($mode eq 'silent' && time - $start > 3) ? 0 : (time - $start) * $rate + 65536 - $sent;
        return if $n == 1 && $mode ne 'silent' && time - $start > 4;
        if ($due < 4000) { sleep 0.05; next }
        my $chunk = substr($data, $pos, 4000);
        $chunk .= substr($data, 0, 4000 - length $chunk) if length $chunk < 4000;
        $pos = ($pos + 4000) % $size;
        $sent += 4000;
        print $c $chunk or return;
        if ($icy) {         # 2 blocks of 4000 = the metaint
            next if ++$block % 2;
            my $meta = "StreamTitle='Tune $block';";
            $meta .= "\0" x (16 - length($meta) % 16);
            print $c chr(length($meta) / 16) . $meta or return;
        }
    }
}

my %port = map { ($_ => free_port()) } qw(rtmp srt rtsp rtsp_src rtp);
my %feed = (
    rtmp => [ 'ffmpeg', '-v', 'error', '-re', @lavfi, @enc, '-f', 'flv', '-listen', '1',
              "rtmp://127.0.0.1:$port{rtmp}/live/x" ],
    srt  => [ 'ffmpeg', '-v', 'error', '-re', @lavfi, @enc, '-f', 'mpegts',
              "srt://127.0.0.1:$port{srt}?mode=listener" ],
    rtsp => [ 'ffmpeg', '-v', 'error', '-re', @lavfi, @enc, '-f', 'rtsp',
              "rtsp://127.0.0.1:$port{rtsp_src}/live" ],
);
sub rtsp_server {
    # RTP ports of this run's own (the default range is shared by all)
    spawn('rtsp-server', 'rtsp-server-perl', '--clientport', $port{rtsp}, '--serverport',
          $port{rtsp_src}, '--rtp_start_port', $port{rtp});
    StreamVault::Test::wait_for(sub { IO::Socket::INET->new("127.0.0.1:$port{rtsp_src}") }, 10)
        or die "rtsp-server-perl did not start\n";
}
sub source_up {
    my ($name) = @_;
    rtsp_server() if $name eq 'rtsp';
    spawn($name, @{ $feed{$name} });
}
sub source_down {
    my ($name) = @_;
    finish($name);
    finish('rtsp-server') if $name eq 'rtsp';
}

# --- the recorder ---

my %rec;
sub record {
    my ($name, $url, @opts) = @_;
    my $out = "$dir/$name";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        %ENV = (%ENV, %san);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$out.out";
        open STDERR, '>', "$out.err";
        exec $bin, '--record-url', $url, '--out', $out, @opts or die "exec: $!";
    }
    StreamVault::Test::track_child($pid);
    $rec{$name} = { pid => $pid, out => $out, t0 => time };
}
sub reap {
    my ($name, $timeout) = @_;
    my $r = $rec{$name};
    my $deadline = time + ($timeout // 30);
    until (waitpid($r->{pid}, POSIX::WNOHANG) == $r->{pid}) {
        if (time > $deadline) { kill 'KILL', $r->{pid}; waitpid($r->{pid}, 0); die "$name: the recorder hung\n" }
        sleep 0.05;
    }
    $r->{status} = $? >> 8;
    $r->{wall} = time - $r->{t0};
    my ($line) = grep { /^\{/ } split /\n/, slurp("$r->{out}.out") // '';
    $r->{sum} = $line ? decode_json($line) : {};
    $r->{err} = slurp("$r->{out}.err") // '';
    return $r;
}

# The folder: only whole segments, numbered from 0 without a hole; ffprobe
# reads them concatenated without an error. Returns the duration.
sub check_folder {
    my ($what, $r, $min_segments, $cut_bytes) = @_;
    opendir my $dh, $r->{out} or do { fail("$what: no folder"); return 0 };
    my @names = sort grep { !/^\.\.?$/ } readdir $dh;
    my @ts = grep { /^\d{12}\.ts$/ } @names;
    is_deeply([ grep { !/^\d{12}\.ts$/ && $_ ne '.discontinuities' && $_ ne '.segments' } @names ], [],
              "$what: whole segments only, no .part");
    # the segment log (the live playlist's source) lists each, with a duration
    my @logged = map { /^(\d+) ([\d.]+)$/ && $2 > 0 ? sprintf('%012d.ts', $1) : () }
                 split /\n/, slurp("$r->{out}/.segments") // '';
    is_deeply([ sort @logged ], \@ts, "$what: .segments logs every segment with its duration");
    ok(@ts >= $min_segments, "$what: " . scalar(@ts) . " segments");
    is_deeply([ map { s/\.ts$//r + 0 } @ts ], [ 0 .. $#ts ], "$what: numbered 0.." . $#ts);
    is($r->{sum}{segments}, scalar @ts, "$what: the summary counts them");
    my $all = "$r->{out}.all.ts";
    open my $fh, '>', $all or die $!;
    print {$fh} slurp("$r->{out}/$_") for @ts;
    close $fh;
    my $p = run_cmd([ 'ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', $all ],
                    timeout => 30);
    my $d = ($p->{out} =~ /([\d.]+)/)[0] // 0;
    my $dec = run_cmd([ 'ffmpeg', '-v', 'error', '-i', $all, '-f', 'null', '-' ], timeout => 60);
    if ($cut_bytes) {
        # A byte stream joined or taken up again mid-frame (MP3's bit
        # reservoir reaches back before the first frame), or a packet lost:
        # the decoder complains there, a few times at most, and goes on.
        my @errors = grep { /^Error while decoding|error while decoding MB/ } split /\n/, $dec->{err};
        ok($dec->{status} == 0 && @errors <= 4,
           "$what: ffmpeg decodes it all (" . scalar(@errors) . ' frames damaged at a cut or a lost packet)')
            or diag $dec->{err};
    } else {
        is($dec->{err}, '', "$what: ffmpeg decodes it all without an error");
    }
    ok(abs($d - $r->{sum}{media_ms} / 1000) < 0.5,
       sprintf("$what: ffprobe's duration %.2f s is the summary's %.2f s", $d, $r->{sum}{media_ms} / 1000));
    return $d;
}

# --- refused and failing sources, while the others are set up ---

my $r = run_cmd([ $bin, '--record-url', 'ftp://127.0.0.1/x', '--out', "$dir/ftp" ], env => \%san, timeout => 20);
is($r->{status}, 2, 'an ftp URL is refused (exit 2)');
like($r->{err}, qr/takes rtmp\(s\), rtsp\(s\), srt and http\(s\)/, 'saying which URLs are taken');
$r = run_cmd([ $bin, '--record-url', 'http://127.0.0.1/live/index.m3u8', '--out', "$dir/m3u8" ], env => \%san,
             timeout => 20);
is($r->{status}, 2, 'an HLS playlist is refused (exit 2)');
like($r->{err}, qr/--record-hls/, 'pointing at --record-hls');

my $closed = free_port();
for my $bad ([ 'refused', "rtmp://127.0.0.1:$closed/live/x", qr/Connection refused/ ],
             [ 'unknown host', 'http://nohost.invalid/live.ts', qr/resolve hostname nohost\.invalid/ ],
             [ 'nothing there', "srt://127.0.0.1:$closed", qr/cannot open the source/ ]) {
    my ($what, $url, $why) = @$bad;
    record("bad-$what" =~ s/ /-/gr, $url);
}

# --- live sources, dropped at 4 s, back at 5.5 s, SIGTERM at 12 s ---

source_up($_) for qw(rtmp srt rtsp);
my $live = serve('live', "$dir/live.ts", 40);
my $icy = serve('icy', "$dir/audio.mp3", 40);
my $file = serve('file', "$dir/file.ts", 8);
my $silent = serve('silent', "$dir/audio.mp3", 40);
# The RTSP feed announced: the server describes the stream (200).
sub rtsp_announced {
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port{rtsp}", Timeout => 2) or return 0;
    print {$s} "DESCRIBE rtsp://127.0.0.1:$port{rtsp}/live RTSP/1.0\r\nCSeq: 1\r\n\r\n";
    my $line = <$s> // '';
    return $line =~ m{^RTSP/1\.0 200};
}
ok(StreamVault::Test::wait_for(\&rtsp_announced, 20), 'the RTSP feed is announced');
sleep 1;      # the other feeds listening

my %live_url = (
    rtmp => "rtmp://127.0.0.1:$port{rtmp}/live/x",
    srt  => "srt://127.0.0.1:$port{srt}",
    rtsp => "rtsp://127.0.0.1:$port{rtsp}/live",
    http => "$live/live.ts",
    icecast => "$icy/stream",
);
record($_, $live_url{$_}) for sort keys %live_url;
record('file', "$file/file.ts");
record('file-cut', "$file/file.ts", '--duration', 3);
record('silent', "$silent/stream", '--stall', 2);

my $t0 = time;
sleep 4;
source_down($_) for qw(rtmp srt rtsp);      # HTTP and Icecast drop themselves
sleep 1.5;
source_up($_) for qw(rtmp srt rtsp);
sleep 12 - (time - $t0) if time - $t0 < 12;
kill 'TERM', $rec{$_}{pid} for keys %live_url;

for my $name (sort keys %live_url) {
    my $r = reap($name);
    is($r->{status}, 0, "$name: the recorder exits 0 after SIGTERM") or diag $r->{err};
    is($r->{sum}{reason}, 'stopped', "$name: ended \"stopped\"") or diag explain $r->{sum};
    ok($r->{sum}{retries} >= 1 && $r->{sum}{discontinuities} >= 1,
       "$name: the drop was reconnected ($r->{sum}{retries} retries, $r->{sum}{discontinuities} "
       . 'discontinuities)');
    like(slurp("$r->{out}/.discontinuities") // '', qr/^\d+ reconnect$/m, "$name: noted in .discontinuities");
    # byte streams cut mid-frame, and RTP over UDP (the only transport
    # rtsp-server-perl has), which may drop a packet on a busy machine
    my $bytes = $name eq 'http' || $name eq 'icecast' || $name eq 'rtsp';
    my $d = check_folder($name, $r, 2, $bytes);
    # 12 s minus the drop and the start, within a segment; over HTTP each
    # connection starts with a burst of 64 KiB from the past (8 s of the
    # MP3).
    my $max = 12.5 + ({ http => 4, icecast => 18 }->{$name} // 0);
    ok($d > 12 - 1.5 - 6 && $d < $max, sprintf("$name: %.1f s recorded of about 10 (at most %.1f)", $d, $max));
}

$r = reap('file');
is($r->{sum}{reason}, 'ended', 'http file: ends "ended" at its end') or diag $r->{err};
is($r->{sum}{detail}, 'end of file', 'saying so');
my $d = check_folder('http file', $r, 1);
ok(abs($d - 8) < 0.5, sprintf('http file: all 8 s of it (%.2f)', $d));

$r = reap('file-cut');
is($r->{sum}{reason}, 'duration', '--duration 3: ends "duration"') or diag $r->{err};
$d = check_folder('--duration 3', $r, 1);
ok(abs($d - 3) < 0.5, sprintf('--duration 3: 3 s of it (%.2f)', $d));

$r = reap('silent');
is($r->{sum}{reason}, 'stalled', 'a source gone silent ends "stalled" (--stall 2)') or diag $r->{err};
is($r->{sum}{detail}, 'no data for 2 s', 'saying so');
check_folder('stalled', $r, 1, 1);

for my $bad ([ 'refused', qr/Connection refused/ ], [ 'unknown host', qr/resolve hostname nohost\.invalid/ ],
             [ 'nothing there', qr/cannot open the source/ ]) {
    my ($what, $why) = @$bad;
    my $r = reap("bad-$what" =~ s/ /-/gr);
    is($r->{status}, 1, "$what: exits 1");
    is($r->{sum}{reason}, 'failed', "$what: ends \"failed\"");
    like($r->{sum}{error}, $why, "$what: $r->{sum}{error}");
}

# A resumed folder numbers on; without --resume it is refused.
$r = run_cmd([ $bin, '--record-url', "$file/file.ts", '--out', "$dir/file", '--duration', 1 ], env => \%san,
             timeout => 30);
is($r->{status}, 1, 'a folder holding segments is refused without --resume');
like($r->{out}, qr/holds segments already/, 'saying so');
my $before = () = glob "$dir/file/*.ts";
$r = run_cmd([ $bin, '--record-url', "$file/file.ts", '--out', "$dir/file", '--duration', 1, '--resume' ],
             env => \%san, timeout => 30);
my $s = decode_json((grep { /^\{/ } split /\n/, $r->{out})[0] // '{}');
is($s->{first_sequence}, $before, "--resume: numbering goes on at $before");
like(slurp("$dir/file/.discontinuities") // '', qr/^$before resume$/m, 'a discontinuity noted there');

my @reports = glob "$dir/log/asan* $dir/log/ubsan*";
is_deeply(\@reports, [], 'no sanitizer report') or diag slurp($reports[0]);
done_testing();
