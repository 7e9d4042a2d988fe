# HLS recording: `streamvault-worker --record-hls` against streamlink on the
# same live source in the same run. The source: ~1 GB of H.264 MPEG-TS in
# 1 s segments of ~12 MB (lossless 3200x1800 testsrc2, made once by ffmpeg
# into build/bench-cache/recorder-N), served as static files by a private
# nginx on 127.0.0.1 (sendfile), made LIVE by this script: live.m3u8 is
# rewritten (temp file + rename) every segment duration with a moving
# window of 6 segments, ENDLIST in the update that brings the last one.
#
# 1. CPU per recorded GB: ours (one recording) and streamlink (one
#    process, --stream-segment-threads 2 like our 2 downloads per
#    recording, --hls-live-restart so that both take the window from its
#    first segment), one after the other, each on a fresh timeline of the
#    same segments at the same pace. Not side by side: what they cost is
#    mostly kernel time (the loopback receive and the page-cache write of
#    every byte), and two recorders writing 1 GB each at once make each
#    other's kernel time dearer (ours measured ~1.5x its alone figure
#    that way), which would blur the ratio. CPU seconds (user + sys, of
#    the process and its threads, from getrusage of the waited child),
#    not wall time, are compared; the machine's busy share over each
#    timeline is printed. Then the floor: curl -o fetching the same
#    segments to the same file system, i.e. what receiving and writing
#    the bytes costs any recorder here.
# 2. RSS per added recording: one process recording 1 and one recording 50
#    copies of the same live playlist, side by side on a fresh, shorter
#    timeline; (RSS50 - RSS1) / 49 against one streamlink process's RSS
#    (streamlink is one process per recording). Their segments go to a
#    tmpfs (/dev/shm) and are deleted as they land: 50 x 12 MB/s is more
#    than this disk writes, and RSS does not depend on where files go.
#
# Figures, not a pass/fail timing test; it dies (after printing) only when
# a recording lost segments or the recordings disagree.
use strict;
use warnings;
use lib 't/lib';
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(build_dir run_cmd spurt slurp free_port wait_for test_dir);
use StreamVault::Bench qw(need_tools);

need_tools('ffmpeg', 'streamlink', 'curl');
my $nginx = $ENV{SV_BENCH_NGINX} || '/usr/sbin/nginx';
-x $nginx or die "benchmark needs nginx at $nginx (SV_BENCH_NGINX)\n";
my $worker = build_dir() . '/streamvault-worker';    # the plain build, as deployed
-x $worker or die "$worker is not built: run make\n";

my $segments = $ENV{SV_BENCH_RECORDER_SEGMENTS} || 84;          # ~1 GB
my $many = $ENV{SV_BENCH_RECORDER_CONCURRENT} || 50;
my $many_segments = $ENV{SV_BENCH_RECORDER_CONCURRENT_SEGMENTS} || 15;
my $window = 6;
$many_segments = $segments if $many_segments > $segments;

# --- the source, made once ---------------------------------------------------------

my $cache = build_dir() . "/bench-cache/recorder-$segments";
unless (-e "$cache/done") {
    make_path($cache);
    my $r = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
                     '-f', 'lavfi', '-i', 'testsrc2=size=3200x1800:rate=30',
                     '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', $segments,
                     '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '30',
                     '-c:a', 'aac', '-f', 'segment', '-segment_time', '1',
                     '-segment_format', 'mpegts', '-segment_list', "$cache/list.csv",
                     '-segment_list_type', 'csv', "$cache/seg%03d.ts"], timeout => 600);
    die "ffmpeg: $r->{err}" if $r->{status};
    spurt("$cache/done", '');
}
my @seg;    # { name, extinf, bytes }
for (split /\n/, slurp("$cache/list.csv") // die "no $cache/list.csv\n") {
    my ($name, $start, $end) = split /,/;
    push @seg, { name => $name, extinf => $end - $start, bytes => -s "$cache/$name" };
}
die "expected $segments segments in $cache, found " . @seg . "\n" unless @seg == $segments;
my $source_bytes = 0;
$source_bytes += $_->{bytes} for @seg;

# The whole bench is bounded (the first run also encodes the source above).
alarm(($ENV{SV_BENCH_RECORDER_TIMEOUT} || 300) + 3 * $segments);

# --- everything started here is killed on any exit ------------------------------------

my $work = test_dir('bench-recorder');
my $shm = -d '/dev/shm' ? tempdir('streamvault-bench-XXXXXX', DIR => '/dev/shm') : "$work/shm";
make_path($shm);
my @groups;    # process group ids (each child leads its own)

END {
    my $status = $?;
    kill 'TERM', -$_ for @groups;
    my $deadline = time + 3;
    for my $pg (@groups) {
        while (waitpid($pg, WNOHANG) == 0 && time < $deadline) { sleep 0.05 }
        kill 'KILL', -$pg;
        waitpid($pg, 0);
    }
    remove_tree($shm) if $shm;
    remove_tree("$work/rec") if $work;    # the recordings are large; logs stay
    $? = $status;
}

# In a forked child: no handlers or END blocks of ours, its own group.
sub child_setup {
    $SIG{$_} = 'DEFAULT' for qw(INT TERM ALRM HUP);
    setpgrp(0, 0);
}

sub spawn {
    my ($cmd, $out, $err) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        child_setup();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out;
        open STDERR, '>', $err;
        exec(@$cmd) or POSIX::_exit(127);
    }
    push @groups, $pid;
    return $pid;
}

# Starts @$cmd under a small Perl parent that waits for it and writes its
# CPU seconds (getrusage of the waited child: every thread) to $base.cpu;
# stdout and stderr go to $base.out and $base.err.
sub spawn_timed {
    my ($base, $cmd, %env) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        child_setup();
        my $c = fork;
        POSIX::_exit(127) unless defined $c;
        if ($c == 0) {
            %ENV = (%ENV, %env);
            open STDIN, '<', '/dev/null';
            open STDOUT, '>', "$base.out";
            open STDERR, '>', "$base.err";
            exec(@$cmd) or POSIX::_exit(127);
        }
        if (open my $fh, '>', "$base.pid.tmp") { print {$fh} $c; close $fh }
        rename "$base.pid.tmp", "$base.pid";
        waitpid($c, 0);
        my $st = $?;
        my (undef, undef, $cuser, $csys) = times;    # 1/100 s
        if (open my $fh, '>', "$base.cpu.tmp") { print {$fh} "$cuser $csys $st\n"; close $fh }
        rename "$base.cpu.tmp", "$base.cpu";
        POSIX::_exit(0);
    }
    push @groups, $pid;
    wait_for(sub { -e "$base.pid" }, 10) or die "$cmd->[0] did not start\n";
    return { base => $base, pid => $pid, cmd_pid => slurp("$base.pid"), hwm_kb => 0, t0 => time };
}

sub hwm_kb {
    my ($pid) = @_;
    my $s = slurp("/proc/$pid/status") // return 0;
    return $s =~ /^VmHWM:\s+(\d+) kB/m ? $1 : 0;
}

# Busy and total jiffies of the machine (/proc/stat).
sub cpu_jiffies {
    my @f = split ' ', (split /\n/, slurp('/proc/stat'))[0];
    shift @f;
    my $total = 0;
    $total += $_ for @f[0 .. 7];
    return ($total - $f[3] - $f[4], $total);
}

# Waits for every timed process, sampling their peak RSS (VmHWM) and
# calling $tick between samples; sets cpu_s (user + sys) and status.
sub wait_all {
    my ($limit, $tick, @procs) = @_;
    my $deadline = time + $limit;
    while (my @left = grep { !defined $_->{status} } @procs) {
        for my $p (@left) {
            my $h = hwm_kb($p->{cmd_pid});
            $p->{hwm_kb} = $h if $h > $p->{hwm_kb};
            next unless waitpid($p->{pid}, WNOHANG) == $p->{pid};
            my ($user, $sys, $st) = split ' ', slurp("$p->{base}.cpu") // die "no $p->{base}.cpu\n";
            @$p{qw(user_s sys_s cpu_s)} = ($user, $sys, $user + $sys);
            $p->{status} = ($st & 127) ? 128 + ($st & 127) : $st >> 8;
            $p->{wall_s} = time - $p->{t0};
            @groups = grep { $_ != $p->{pid} } @groups;
        }
        $tick->() if $tick;
        die "timed out waiting for: " . join(', ', map { $_->{base} } @left) . "\n" if time > $deadline;
        sleep 0.1;
    }
}

# --- nginx ---------------------------------------------------------------------------

my $port = free_port();
make_path("$work/www", "$work/nginx-tmp", "$work/rec");
spurt("$work/nginx.conf", <<"EOF");
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path $work/nginx-tmp/body;
    proxy_temp_path $work/nginx-tmp/proxy;
    fastcgi_temp_path $work/nginx-tmp/fastcgi;
    uwsgi_temp_path $work/nginx-tmp/uwsgi;
    scgi_temp_path $work/nginx-tmp/scgi;
    types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
    server {
        listen 127.0.0.1:$port;
        root $work/www;
        location = /live.m3u8 { add_header Cache-Control no-cache; }
        location /seg/ { alias $cache/; }
    }
}
EOF
my $nginx_pid = spawn([$nginx, '-p', "$work/nginx-tmp", '-e', "$work/nginx-error.log",
                       '-c', "$work/nginx.conf"], "$work/nginx.out", "$work/nginx.err");
my $http = HTTP::Tiny->new(timeout => 5);
wait_for(sub { $http->head("http://127.0.0.1:$port/seg/$seg[0]{name}")->{status} == 200 }, 10)
    or die "nginx did not answer: " . (slurp("$work/nginx.err") // '') . (slurp("$work/nginx-error.log") // '');
my $url = "http://127.0.0.1:$port/live.m3u8";

# --- the live playlist ------------------------------------------------------------------

sub write_playlist {
    my ($k, $end) = @_;    # the newest segment out, ENDLIST or not
    my $first = $k - $window + 1;
    $first = 0 if $first < 0;
    my $text = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:$first\n";
    $text .= sprintf("#EXTINF:%.3f,\nseg/%s\n", $seg[$_]{extinf}, $seg[$_]{name}) for $first .. $k;
    $text .= "#EXT-X-ENDLIST\n" if $end;
    spurt("$work/www/.live.m3u8.tmp", $text);
    rename "$work/www/.live.m3u8.tmp", "$work/www/live.m3u8" or die "rename: $!";
}

# A fresh timeline of $n segments: the first is out now, the next one each
# segment duration later, the last with ENDLIST (streamlink 5.2 notices an
# ENDLIST only in a reload that brings a new segment: one added alone would
# keep it reloading until its 60 s read timeout). Returns the writer's pid.
sub start_timeline {
    my ($n) = @_;
    write_playlist(0, $n == 1);
    my $t0 = time;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        child_setup();
        my $at = $t0;
        for my $k (1 .. $n - 1) {
            $at += $seg[$k - 1]{extinf};
            my $wait = $at - time;
            sleep $wait if $wait > 0;
            eval { write_playlist($k, $k == $n - 1); 1 } or POSIX::_exit(1);
        }
        POSIX::_exit(0);
    }
    push @groups, $pid;
    return $pid;
}

sub end_timeline {
    my ($pid) = @_;
    waitpid($pid, 0);
    die "the playlist writer failed\n" if $?;
    @groups = grep { $_ != $pid } @groups;
}

sub summaries {
    my ($file) = @_;
    my (@rec, $process);
    for (split /\n/, slurp($file) // '') {
        my $j = eval { JSON::PP::decode_json($_) } or next;
        if ($j->{process}) { $process = $j->{process} } else { push @rec, $j }
    }
    return (\@rec, $process);
}

my @anomalies;

# --- 1. CPU per GB, one after the other on fresh timelines ------------------------------

# Runs a timed recorder over a fresh timeline; returns it with busy_share.
sub record_timeline {
    my ($base, $cmd) = @_;
    my ($busy0, $total0) = cpu_jiffies();
    my $writer = start_timeline($segments);
    my $p = spawn_timed($base, $cmd);
    wait_all(2 * $segments + 60, undef, $p);
    end_timeline($writer);
    my ($busy1, $total1) = cpu_jiffies();
    $p->{busy_share} = ($busy1 - $busy0) / (($total1 - $total0) || 1);
    return $p;
}
my $ours = record_timeline("$work/ours", [$worker, '--record-hls', $url, '--out', "$work/rec/ours"]);
my $sl = record_timeline("$work/streamlink",
                         ['streamlink', '--loglevel', 'error', '--hls-live-restart',
                          '--stream-segment-threads', '2', '-o', "$work/rec/streamlink.ts",
                          "hls://$url", 'best']);

my ($recs, $proc) = summaries("$work/ours.out");
my $r1 = $recs->[0] // die "no summary from the worker:\n" . (slurp("$work/ours.err") // '');
push @anomalies, "worker exit $ours->{status}" if $ours->{status};
push @anomalies, "worker recording ended '$r1->{reason}'" . ($r1->{error} ? ": $r1->{error}" : '')
    if $r1->{reason} ne 'ended';
push @anomalies, "worker: $r1->{segments} of $segments segments, $r1->{lost} lost"
    if $r1->{segments} != $segments || $r1->{lost};
push @anomalies, "worker: $r1->{bytes} bytes, the source has $source_bytes" if $r1->{bytes} != $source_bytes;
for my $i (0 .. $#seg) {
    my $f = sprintf('%s/rec/ours/1/%012d.ts', $work, $i);
    my $size = -s $f // -1;
    next if $size == $seg[$i]{bytes};
    push @anomalies, "worker: $f is $size bytes, the source $seg[$i]{bytes}";
    last;
}
my $sl_bytes = -s "$work/rec/streamlink.ts" // 0;
push @anomalies, "streamlink exit $sl->{status}: " . (slurp("$work/streamlink.err") // '') if $sl->{status};
push @anomalies, "streamlink: $sl_bytes bytes, the source has $source_bytes" if $sl_bytes != $source_bytes;
# the worker's own getrusage, against the waiting parent's
my $self_cpu = $proc ? $proc->{cpu_user_s} + $proc->{cpu_sys_s} : 0;
remove_tree("$work/rec/ours");
unlink "$work/rec/streamlink.ts";

# The floor: receiving and writing the same bytes (curl -o, one connection,
# one file per segment, its 100 KB reads, no playlist, no fsync), on the
# same file system.
make_path("$work/rec/curl");
my $floor = spawn_timed("$work/curl", ['curl', '--silent', '--show-error', '--fail',
    map { ('-o', "$work/rec/curl/$_->{name}", "http://127.0.0.1:$port/seg/$_->{name}") } @seg]);
wait_all(120, undef, $floor);
my $floor_bytes = 0;
$floor_bytes += -s "$work/rec/curl/$_->{name}" // 0 for @seg;
push @anomalies, "curl exit $floor->{status}: " . (slurp("$work/curl.err") // '') if $floor->{status};
push @anomalies, "curl: $floor_bytes bytes, the source has $source_bytes" if $floor_bytes != $source_bytes;
remove_tree("$work/rec/curl");

# --- 2. RSS: 1 against N recordings, side by side on a fresh timeline -----------------

my $writer = start_timeline($many_segments);
my $one = spawn_timed("$work/one", [$worker, '--record-hls', $url, '--out', "$shm/one"]);
my $n = spawn_timed("$work/many", [$worker, '--record-hls', join(',', ($url) x $many),
                                   '--out', "$shm/many"]);
# segments are deleted once renamed into place (.part files are left alone)
my $janitor = sub { unlink glob("$shm/*/*/*.ts") };
wait_all(2 * $many_segments + 120, $janitor, $one, $n);
end_timeline($writer);
$janitor->();

my ($one_recs, $one_proc) = summaries("$work/one.out");
my ($many_recs, $many_proc) = summaries("$work/many.out");
die "no process summary from the worker:\n" . (slurp("$work/many.err") // '')
    unless $one_proc && $many_proc && @$one_recs == 1;
push @anomalies, "1 recording: exit $one->{status}" if $one->{status};
push @anomalies, "$many recordings: exit $n->{status}" if $n->{status};
push @anomalies, sprintf('%d recordings: only %d summaries', $many, scalar @$many_recs)
    if @$many_recs != $many;
my %counts;
$counts{"$_->{segments}/$_->{lost}/$_->{reason}"}++ for @$many_recs, @$one_recs;
push @anomalies, "recordings of $many_segments segments (segments/lost/reason: count): "
               . join(', ', map { "$_: $counts{$_}" } sort keys %counts)
    unless keys %counts == 1 && exists $counts{"$many_segments/0/ended"};
my ($many_bytes, $many_retries) = (0, 0);
$many_bytes += $_->{bytes} for @$many_recs;
$many_retries += $_->{retries} for @$many_recs;

# --- report ---------------------------------------------------------------------------

sub per_gb { my ($p, $bytes) = @_; map { $_ / ($bytes / 1e9 || 1) } @$p{qw(cpu_s user_s sys_s)} }
my @ours_gb = per_gb($ours, $r1->{bytes});
my @sl_gb = per_gb($sl, $sl_bytes);
my @floor_gb = per_gb($floor, $floor_bytes);
my $rss1 = $one_proc->{max_rss_kb} / 1024;
my $rssn = $many_proc->{max_rss_kb} / 1024;
my $per_added = ($rssn - $rss1) / ($many - 1);
my $sl_rss = $sl->{hwm_kb} / 1024;

printf "%-50s %8.3f CPU s/GB  (user %.3f, sys %.3f; %.2f s for %.2f GB, %d segments; its getrusage: %.2f s)\n",
       'record-hls, 1 recording', @ours_gb, $ours->{cpu_s}, $r1->{bytes} / 1e9, $r1->{segments}, $self_cpu;
printf "%-50s %8.3f CPU s/GB  (user %.3f, sys %.3f; %.2f s for %.2f GB)\n",
       '  anchor: streamlink --stream-segment-threads 2', @sl_gb, $sl->{cpu_s}, $sl_bytes / 1e9;
printf "%-50s %8.3fx  (user only: %.3fx; target <= 0.1x; machine busy %.0f%% / %.0f%% of its %d s timelines)\n",
       '  ratio (our CPU per GB / streamlink)', $ours_gb[0] / ($sl_gb[0] || 1),
       $ours_gb[1] / ($sl_gb[1] || 1), 100 * $ours->{busy_share}, 100 * $sl->{busy_share}, $segments;
printf "%-50s %8.3f CPU s/GB  (user %.3f, sys %.3f; ours / floor %.2fx)\n",
       '  floor: curl -o of the same segments', @floor_gb, $ours_gb[0] / ($floor_gb[0] || 1);
printf "%-50s %8.2f MB  (RSS %.1f MB at 1, %.1f MB at %d; %d x %d segments)\n",
       "record-hls, RSS per added recording (1 -> $many)", $per_added, $rss1, $rssn, $many,
       $many, $many_segments;
printf "%-50s %8.1f MB  (one process per recording; ours at 1: %.1f MB)\n",
       '  anchor: streamlink RSS per recording', $sl_rss, $ours->{hwm_kb} / 1024;
printf "%-50s %8.4fx  (target <= 3 MB per added recording)\n",
       '  ratio (ours per added recording / streamlink)', $per_added / ($sl_rss || 1);
printf "%-50s %8.3f CPU s/GB  (user %.3f, sys %.3f; %.2f GB to tmpfs; %d retries; done %.1f s after its start, %d segments of 1 s)\n",
       "record-hls, $many recordings at once", per_gb($n, $many_bytes), $many_bytes / 1e9, $many_retries,
       $n->{wall_s}, $many_segments;

die "anomalies:\n" . join('', map { "  $_\n" } @anomalies) if @anomalies;
