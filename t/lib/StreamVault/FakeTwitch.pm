package StreamVault::FakeTwitch;

# A fake Twitch on loopback for the recorder tests: GQL PlaybackAccessToken,
# the usher multivariant playlist and live media playlists over real MPEG-TS
# segments (made once by ffmpeg from lavfi, cached under build/t), in the wire
# formats of ../shared/fixtures/twitch. The server is a forked child of the
# test (tracked by StreamVault::Test, so it dies with the file), one process
# with a select loop: any number of clients at once, keep-alive, no blocking
# on a slow client. The test drives it through /_control/ (JSON over HTTP),
# wrapped by the methods below.
#
#   my $tw = StreamVault::FakeTwitch->new(
#       segment_duration => 1,                 # seconds (dur * 30 frames must be whole)
#       channels => {
#           cool_user => { script => [ [content => 8], [ad => 3], [errors => { target => 'segment',
#                          status => [503], count => 2 }], [content => 5], [offline => 3] ] },
#           sleepy    => { live => 0 },
#       });
#   my $t = $tw->access_token('cool_user');     # { value, signature } or undef
#   $tw->usher_url('cool_user')                 # with sig/token, ready to GET
#   $tw->served(channel => 'cool_user')         # segments served (status 200)
#
# Timeline: a live instance starts with `backlog` (default: window) finished
# segments; one more finishes every segment_duration seconds. The media
# playlist lists the last `window` finished segments and `prefetch` next ones
# as #EXT-X-TWITCH-PREFETCH. The script runs as segments are produced:
#   [content => N]     N content segments (undef: forever; also after the script)
#   [ad => N]          a stitched ad break of N segments (EXT-X-DATERANGE, Amazon titles,
#                      discontinuities around it)
#   [errors => {...}]  an error burst from the time the segment before it finishes
#                      (see inject_errors)
#   [offline => S]     the stream ends after the segment before it (ENDLIST, usher 404,
#                      GQL null); after S seconds a new instance starts with the rest of
#                      the script (S undef: stays offline until start_channel)
#   [stall => S]       no segment for S seconds after the one before it: the playlist
#                      answers without new segments (no ENDLIST), then the stream goes on
#
# live_playlist_url($login) is one URL for whichever instance is live (like a restream
# server's): a new instance there restarts its MEDIA-SEQUENCE in the same playlist.
#
# Segment bytes: content segment c (numbered from 0 per instance) is pool
# segment c % pool with its timestamps moved so that its first video PTS is
# exactly content_pts_base + pool_start + c * segment_duration (pool_start is
# about 1.42 s) and its continuity counters follow the previous content
# segment: the content segments of an instance concatenate to one continuous
# MPEG-TS. Ads are another pool (SMPTE bars, a 1 kHz tone) whose PTS stay
# below content_pts_base. Qualities: 1080p60 (source, 320x180), 720p60
# (256x144), 480p (192x108), audio_only (AAC only), all 30 fps.

use strict;
use warnings;

use Digest::SHA qw(hmac_sha1_hex sha1_hex);
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use File::Path qw(make_path remove_tree);
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use JSON::PP ();
use POSIX qw(floor ceil strftime);
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(build_dir run_cmd test_dir);

our $POOL_VERSION = 1;
our $WEB_CLIENT_ID = 'kimne78kx3ncx6brgo4mv6wki5h1ko';

# name => [ pixel size, bandwidth, codecs ]; the order of the fixture (source last)
our @QUALITIES = (
    [ '720p60',     '256x144', 3422999, 'avc1.4D401F,mp4a.40.2' ],
    [ '480p',       '192x108', 1427999, 'avc1.4D401F,mp4a.40.2' ],
    [ 'audio_only', undef,     160000,  'mp4a.40.2' ],
    [ '1080p60',    '320x180', 9146586, 'avc1.64002A,mp4a.40.2' ],
);
our $SOURCE = '1080p60';
my %QUALITY = map { $_->[0] => $_ } @QUALITIES;

my $json = JSON::PP->new->utf8->canonical;

# --- the parent's side ----------------------------------------------------------

sub new {
    my ($class, %o) = @_;
    my $self = bless {
        segment_duration => $o{segment_duration} // 2,
        window           => $o{window} // 6,
        prefetch         => $o{prefetch} // 2,
        pool             => $o{pool} // 16,
        ad_pool          => $o{ad_pool} // 4,
        content_pts_base => $o{content_pts_base} // 1000,
        client_id        => $o{client_id},          # undef: any non-empty Client-ID
        secret           => $o{secret} // 'fake-twitch-secret',
        token_ttl        => $o{token_ttl} // 3600,
        gql_path         => $o{gql_path} // '/gql',
        usher_path       => $o{usher_path} // '/api/channel/hls',
        usher_v2_path    => $o{usher_v2_path} // '/api/v2/channel/hls',
        media_path       => $o{media_path} // '/hls',
        usher_format     => $o{usher_format} // 'v2',    # or 'media' (EXT-X-MEDIA groups)
        channels         => $o{channels} // {},
        dir              => $o{dir},
        parent           => $$,
    }, $class;
    $self->{backlog} = $o{backlog} // $self->{window};
    my $fps_frames = $self->{segment_duration} * 30;
    die "segment_duration * 30 must be a whole number\n" if abs($fps_frames - int($fps_frames + 0.5)) > 1e-9;
    $self->{dir} //= test_dir('fake-twitch');
    $self->{media} = $self->make_media;

    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $o{port} // 0,
                                       Proto => 'tcp', Listen => 128, ReuseAddr => 1)
        or die "fake twitch: cannot listen: $!";
    $self->{port} = $listen->sockport;
    $self->{url} = "http://127.0.0.1:$self->{port}";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $ok = eval { StreamVault::FakeTwitch::Server->run($self, $listen); 1 };
        print STDERR "fake twitch: $@" unless $ok;
        POSIX::_exit($ok ? 0 : 1);
    }
    close $listen;
    $self->{pid} = $pid;
    StreamVault::Test::track_child($pid);
    my $up = StreamVault::Test::wait_for(sub { my $r = $self->control('GET', 'state'); $r }, 10);
    die "fake twitch did not answer\n" unless $up;
    return $self;
}

sub url  { $_[0]{url} }
sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }
sub dir  { $_[0]{dir} }
sub segment_duration { $_[0]{segment_duration} }
sub gql_url { $_[0]{url} . $_[0]{gql_path} }
sub qualities { map { $_->[0] } @QUALITIES }

sub media_playlist_url {
    my ($self, $login, $quality, $instance) = @_;
    $instance //= $self->state->{channels}{lc $login}{instance} // die "$login is not live\n";
    return "$self->{url}$self->{media_path}/" . lc($login) . "/$instance/" . ($quality // $SOURCE) . '.m3u8';
}

# The current instance's playlist, whichever it is (404 while offline).
sub live_playlist_url {
    my ($self, $login, $quality) = @_;
    return "$self->{url}$self->{media_path}/" . lc($login) . '/live/' . ($quality // $SOURCE) . '.m3u8';
}

sub segment_url {
    my ($self, $login, $instance, $quality, $seq) = @_;
    return "$self->{url}$self->{media_path}/" . lc($login) . "/$instance/$quality/$seq.ts";
}

# GQL PlaybackAccessToken as a client does it: { value, signature } or undef (offline).
sub access_token {
    my ($self, $login) = @_;
    my $res = HTTP::Tiny->new(timeout => 10)->post($self->gql_url, {
        headers => { 'Client-ID' => $WEB_CLIENT_ID, 'Content-Type' => 'text/plain;charset=UTF-8' },
        content => $json->encode(gql_request($login)) });
    die "gql: $res->{status} $res->{content}\n" unless $res->{status} == 200;
    return $json->decode($res->{content})->{data}{streamPlaybackAccessToken};
}

sub gql_request {
    my ($login) = @_;
    return { operationName => 'PlaybackAccessToken',
             extensions => { persistedQuery => { version => 1,
                 sha256Hash => 'ed230aa1e33e07eebb8928504583da78a5173989fadfb1ac94be06a04f3cdbe9' } },
             variables => { isLive => JSON::PP::true, login => $login, isVod => JSON::PP::false,
                            vodID => '', playerType => 'embed', platform => 'site' } };
}

# The usher URL for a token (by default a fresh one from GQL); v2 => 1 for the v2 path.
sub usher_url {
    my ($self, $login, %o) = @_;
    my $t = $o{token} // $self->access_token($login) // return undef;
    my $path = $o{v2} ? $self->{usher_v2_path} : $self->{usher_path};
    return "$self->{url}$path/" . lc($login) . '.m3u8?sig=' . uri_escape($t->{signature})
        . '&token=' . uri_escape($t->{value})
        . '&allow_source=true&allow_audio_only=true&playlist_include_framerate=true'
        . '&supported_codecs=h264&platform=web&p=' . int(rand(999999));
}

sub uri_escape {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub control {
    my ($self, $method, $what, $body) = @_;
    my $res = HTTP::Tiny->new(timeout => 10)->request($method, "$self->{url}/_control/$what",
        { defined $body ? (content => $json->encode($body),
                           headers => { 'Content-Type' => 'application/json' }) : () });
    return undef if $res->{status} == 599 && $method eq 'GET' && $what eq 'state';
    die "fake twitch control $what: $res->{status} $res->{content}\n" unless $res->{status} == 200;
    return $json->decode($res->{content});
}

# { channels => { login => { live, instance, media_sequence (first in window),
#   finished (segments), generated, content (next content number), ... } }, now }
sub state { $_[0]->control('GET', 'state') }

# Starts a new stream instance now (the channel is created when unknown).
# Options: script => [...] (replaces the rest of the script), media_sequence => N.
sub start_channel { my ($self, $login, %o) = @_; $self->control('POST', "channels/\L$login\E/start", \%o) }

# Ends the stream: ENDLIST after the segments already announced (at most
# `prefetch` segments later); usher 404 and GQL null from then on. The rest
# of the script is dropped.
sub stop_channel { my ($self, $login) = @_; $self->control('POST', "channels/\L$login\E/stop", {}) }

# An ad break of N segments, right after the segments already announced.
sub inject_ad { my ($self, $login, $n) = @_; $self->control('POST', "channels/\L$login\E/ad", { segments => $n // 3 }) }

# An error burst from now: status => code or [codes, cycled], count => N
# requests (default 3) or seconds => S, target => playlist | segment | media
# (both) | usher | gql | any (default media), quality => one quality only.
sub inject_errors { my ($self, $login, %o) = @_; $self->control('POST', "channels/\L$login\E/errors", \%o) }

# Appends steps to the channel's script.
sub add_script { my ($self, $login, @steps) = @_; $self->control('POST', "channels/\L$login\E/script", { steps => \@steps }) }

# Every request (control ones aside), oldest first, each
# { n, t, kind (gql | usher | playlist | segment | other), status, path,
#   channel, instance, quality, seq, content, ad, ad_id, prefetch, bytes, sha1, peer,
#   authorization }
# (segment fields on segments, channel on all it can tell, authorization
# (the header, '' without) on GQL requests answered).
sub requests {
    my ($self, %filter) = @_;
    my $log = $self->control('GET', 'log?since=' . ($filter{since} // 0))->{log};
    delete $filter{since};
    return grep { my $r = $_; !grep { !defined $r->{$_} || $r->{$_} ne $filter{$_} } keys %filter } @$log;
}

# The segments served with status 200 (filters as requests: channel =>,
# quality =>, instance =>, peer =>, ad => 0|1 ...).
sub served { my ($self, %f) = @_; return $self->requests(kind => 'segment', status => 200, %f) }

# Each segment served (status 200) once, in stream order (instance, then
# sequence): what a recording of them holds, file by file.
sub served_once {
    my ($self, %f) = @_;
    my %seen;
    return sort { $a->{instance} <=> $b->{instance} || $a->{seq} <=> $b->{seq} }
           grep { !$seen{"$_->{instance}/$_->{seq}"}++ } $self->served(%f);
}

# The bytes of a segment as served (not logged).
sub segment_bytes {
    my ($self, $login, $instance, $quality, $seq) = @_;
    my $res = HTTP::Tiny->new(timeout => 10)->get(
        "$self->{url}/_control/bytes/\L$login\E/$instance/$quality/$seq");
    die "segment_bytes: $res->{status}\n" unless $res->{status} == 200;
    return $res->{content};
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid} && $$ == $self->{parent};
    return StreamVault::Test::stop_server(delete $self->{pid});
}

sub DESTROY { my ($self) = @_; local ($?, $@); $self->stop if $self->{pid} }

# --- media, made once per (segment duration, pool sizes) -------------------------

sub make_media {
    my ($self) = @_;
    my $d = $self->{segment_duration};
    my $key = sprintf 'v%d-d%s-n%d-a%d', $POOL_VERSION, $d, $self->{pool}, $self->{ad_pool};
    my $root = build_dir() . '/t/fake-twitch';
    my $dir = "$root/$key";
    return $dir if -e "$dir/done";
    make_path($root);
    my $tmp = "$dir.tmp$$";
    remove_tree($tmp);
    for my $kind ([ content => 'testsrc2', 440, $self->{pool} ], [ ad => 'smptebars', 1000, $self->{ad_pool} ]) {
        my ($name, $src, $freq, $n) = @$kind;
        my $len = $n * $d;
        my @enc = ('-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30', '-g', 30 * $d,
                   '-keyint_min', 30 * $d, '-sc_threshold', 0,
                   '-force_key_frames', "expr:gte(t,n_forced*$d)", '-c:a', 'aac', '-b:a', '64k',
                   '-f', 'segment', '-segment_time', $d, '-segment_format', 'mpegts');
        my @cmd = ('ffmpeg', '-v', 'error', '-y', '-t', $len, '-f', 'lavfi', '-i', "$src=s=320x180:r=30",
                   '-t', $len, '-f', 'lavfi', '-i', "sine=f=$freq:r=48000",
                   '-filter_complex', '[0:v]split=3[v0][v1][v2];[v1]scale=256:144[v1s];[v2]scale=192:108[v2s]');
        for ([ '1080p60', 'v0' ], [ '720p60', 'v1s' ], [ '480p', 'v2s' ]) {
            make_path("$tmp/$name/$_->[0]");
            push @cmd, '-map', "[$_->[1]]", '-map', '1:a', @enc, "$tmp/$name/$_->[0]/%04d.ts";
        }
        my $r = run_cmd(\@cmd, timeout => 120);
        die "ffmpeg (fake twitch $name): $r->{err}" if $r->{status};
        # audio_only: the source's audio, cut the same way
        make_path("$tmp/$name/audio_only");
        for my $i (0 .. $n - 1) {
            my $f = sprintf '%04d.ts', $i;
            -s "$tmp/$name/1080p60/$f" or die "ffmpeg made fewer than $n $name segments\n";
            $r = run_cmd(['ffmpeg', '-v', 'error', '-y', '-i', "$tmp/$name/1080p60/$f", '-map', '0:a',
                          '-c', 'copy', '-copyts', '-muxdelay', 0, '-muxpreload', 0, '-f', 'mpegts',
                          "$tmp/$name/audio_only/$f"], timeout => 30);
            die "ffmpeg (audio_only): $r->{err}" if $r->{status};
        }
    }
    StreamVault::Test::spurt("$tmp/done", "ok\n");
    rename $tmp, $dir or do { remove_tree($tmp); -e "$dir/done" or die "cannot make $dir: $!" };
    return $dir;
}

# --- the server (the child) ---------------------------------------------------------

package StreamVault::FakeTwitch::Server;

use strict;
use warnings;

use Digest::SHA qw(hmac_sha1_hex sha1_hex);
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use IO::Select;
use JSON::PP ();
use POSIX qw(floor ceil strftime);
use Time::HiRes qw(time);

my $J = JSON::PP->new->utf8->canonical;
my %REASON = (200 => 'OK', 400 => 'Bad Request', 401 => 'Unauthorized', 403 => 'Forbidden',
              404 => 'Not Found', 405 => 'Method Not Allowed', 410 => 'Gone', 411 => 'Length Required',
              429 => 'Too Many Requests', 431 => 'Request Header Fields Too Large',
              500 => 'Internal Server Error', 502 => 'Bad Gateway', 503 => 'Service Unavailable',
              504 => 'Gateway Timeout');

sub run {
    my ($class, $cfg, $listen) = @_;
    my $stop = StreamVault::Test::server_child("$cfg->{dir}/fake-twitch.log");
    my $self = bless { %$cfg, log => [], n => 0, conns => {}, instance_seq => 0, cache => {} }, $class;
    $self->load_media;
    for my $login (sort keys %{ $self->{channels} }) {
        my $o = $self->{channels}{$login};
        $self->{channels}{$login} = undef;
        my $ch = $self->channel($login, $o);
        $self->start_instance($ch) if $o->{live} // 1;
    }
    $listen->blocking(0);
    my $rsel = IO::Select->new($listen);
    my $wsel = IO::Select->new;
    $self->{rsel} = $rsel;
    $self->{wsel} = $wsel;
    my $parent = getppid;
    my $last_check = time;
    while (!$$stop) {
        my ($r, $w) = IO::Select->select($rsel, $wsel->count ? $wsel : undef, undef, 0.05);
        for my $fh (@{ $r // [] }) {
            if ($fh == $listen) {
                while (my $c = $listen->accept) {
                    $c->blocking(0);
                    $self->{conns}{fileno $c} = { fh => $c, in => '', out => '', seen => time,
                                                  peer => $c->peerport };
                    $rsel->add($c);
                }
                next;
            }
            my $conn = $self->{conns}{fileno $fh} or next;
            my $got = sysread($fh, my $buf, 65536);
            if (!defined $got) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                $self->drop($conn);
                next;
            }
            if ($got == 0) { $self->drop($conn); next }
            $conn->{in} .= $buf;
            $conn->{seen} = time;
            $self->parse($conn);
        }
        for my $fh (@{ $w // [] }) {
            my $conn = $self->{conns}{fileno $fh} or next;
            $self->flush($conn);
        }
        $self->tick;
        if (time - $last_check > 0.5) {
            $last_check = time;
            last if getppid != $parent;    # the test is gone
            for my $conn (values %{ $self->{conns} }) {
                $self->drop($conn) if time - $conn->{seen} > 120;
            }
        }
    }
    $self->drop($_) for values %{ $self->{conns} };
    close $listen;
}

sub drop {
    my ($self, $conn) = @_;
    $self->{rsel}->remove($conn->{fh});
    $self->{wsel}->remove($conn->{fh});
    delete $self->{conns}{fileno $conn->{fh}};
    close $conn->{fh};
}

sub flush {
    my ($self, $conn) = @_;
    while (length $conn->{out}) {
        my $n = syswrite($conn->{fh}, $conn->{out}, 262144);
        if (!defined $n) {
            if ($! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR) {
                $self->{wsel}->add($conn->{fh});
                return;
            }
            $self->drop($conn);
            return;
        }
        substr($conn->{out}, 0, $n, '');
        $conn->{seen} = time;
    }
    $self->{wsel}->remove($conn->{fh});
    if ($conn->{close}) { $self->drop($conn); return }
    $self->parse($conn) if length $conn->{in};    # pipelined requests waited for the output
}

# Takes whole requests off the connection's input, one at a time.
sub parse {
    my ($self, $conn) = @_;
    while (!$conn->{close} && !length $conn->{out}) {
        my $end = index($conn->{in}, "\r\n\r\n");
        if ($end < 0) {
            if (length $conn->{in} > 16384) { $self->respond($conn, {}, 431, 'text/plain', "too long\n", 1) }
            return;
        }
        my $head = substr($conn->{in}, 0, $end);
        my ($line, @lines) = split /\r\n/, $head;
        my ($method, $target, $version) = ($line // '') =~ m{^([A-Z]+) (\S+) HTTP/(1\.[01])$};
        unless ($method) { $self->respond($conn, {}, 400, 'text/plain', "bad request\n", 1); return }
        my %h;
        for (@lines) { $h{lc $1} = $2 if /^([^:]+):\s*(.*?)\s*$/ }
        if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
            $self->respond($conn, {}, 411, 'text/plain', "send a Content-Length\n", 1);
            return;
        }
        my $len = $h{'content-length'} // 0;
        if ($len !~ /^\d+$/ || $len > 1048576) { $self->respond($conn, {}, 400, 'text/plain', "bad length\n", 1); return }
        if (length($conn->{in}) < $end + 4 + $len) {
            if (($h{expect} // '') =~ /100-continue/i && !$conn->{continued}) {
                $conn->{continued} = 1;
                syswrite($conn->{fh}, "HTTP/1.1 100 Continue\r\n\r\n");
            }
            return;
        }
        my $body = substr($conn->{in}, $end + 4, $len);
        substr($conn->{in}, 0, $end + 4 + $len, '');
        $conn->{continued} = 0;
        my $conn_h = lc($h{connection} // '');
        my $close = $version eq '1.0' ? $conn_h ne 'keep-alive' : $conn_h eq 'close';
        my ($path, $query) = split /\?/, $target, 2;
        my %q;
        for (split /&/, $query // '') {
            my ($k, $v) = split /=/, $_, 2;
            $q{unescape($k)} = unescape($v // '');
        }
        my $req = { method => $method, path => unescape($path), query => \%q, headers => \%h,
                    body => $body, target => $target, peer => $conn->{peer} };
        my @res = eval { $self->handle($req) };
        @res = (500, 'text/plain', "fake twitch: $@") unless @res;
        my ($status, $type, $content, $extra) = @res;
        $self->respond($conn, $req, $status, $type, $content, $close, $extra);
    }
}

sub unescape { my ($s) = @_; $s =~ tr/+/ /; $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; return $s }

sub respond {
    my ($self, $conn, $req, $status, $type, $content, $close, $extra) = @_;
    my $head = "HTTP/1.1 $status " . ($REASON{$status} // 'Status') . "\r\n"
        . "Content-Type: $type\r\nContent-Length: " . length($content) . "\r\n"
        . ($extra // '') . 'Connection: ' . ($close ? 'close' : 'keep-alive') . "\r\n\r\n";
    $conn->{out} .= $head . (($req->{method} // '') eq 'HEAD' ? '' : $content);
    $conn->{close} = 1 if $close;
    $self->flush($conn);
}

sub record {
    my ($self, $req, %f) = @_;
    push @{ $self->{log} }, { n => ++$self->{n}, t => sprintf('%.3f', time), path => $req->{path},
                              peer => $req->{peer}, %f };
}

# --- routes ----------------------------------------------------------------------

sub handle {
    my ($self, $req) = @_;
    my $p = $req->{path};
    return $self->control($req) if $p =~ m{^/_control/};
    return $self->gql($req) if $p eq $self->{gql_path};
    for my $base ($self->{usher_path}, $self->{usher_v2_path}) {
        return $self->usher($req, lc $1) if $p =~ m{^\Q$base\E/([A-Za-z0-9_]+)\.m3u8$};
    }
    if ($p =~ m{^\Q$self->{media_path}\E/([a-z0-9_]+)/(\d+|live)/([a-z0-9_]+)\.m3u8$}) {
        my ($login, $id, $quality) = ($1, $2, $3);
        my $ch = $self->{channels}{$login};
        $id = $ch && $ch->{cur} ? $ch->{cur}{id} : 0 if $id eq 'live';
        return $self->media_playlist($req, $login, $id, $quality);
    }
    if ($p =~ m{^\Q$self->{media_path}\E/([a-z0-9_]+)/(\d+)/([a-z0-9_]+)/(\d+)\.ts$}) {
        return $self->segment($req, $1, $2, $3, $4);
    }
    $self->record($req, kind => 'other', status => 404);
    return (404, 'text/plain', "not found\n");
}

sub twitch_error {
    my ($status, $message) = @_;
    return ($status, 'application/json',
            $J->encode({ error => $REASON{$status} // 'Error', status => $status, message => $message }));
}

sub gql {
    my ($self, $req) = @_;
    my $fail = sub { my @r = twitch_error(@_); $self->record($req, kind => 'gql', status => $r[0]); @r };
    return $fail->(405, 'method not allowed') unless $req->{method} eq 'POST';
    my $cid = $req->{headers}{'client-id'};
    return $fail->(400, 'The "Client-ID" header is missing from the request.') unless defined $cid && length $cid;
    return $fail->(400, 'The "Client-ID" header is invalid.')
        if defined $self->{client_id} && $cid ne $self->{client_id};
    my $in = eval { $J->decode($req->{body}) };
    return $fail->(400, 'The request body is not valid JSON.') unless ref $in;
    my $batch = ref $in eq 'ARRAY';
    my @out;
    my $login;
    for my $op ($batch ? @$in : ($in)) {
        my $name = ref $op eq 'HASH' ? $op->{operationName} // '' : '';
        $login = lc($op->{variables}{login} // '') if ref $op eq 'HASH' && ref $op->{variables} eq 'HASH';
        if ($name !~ /^PlaybackAccessToken/) {
            push @out, { errors => [ { message => 'PersistedQueryNotFound' } ],
                         extensions => { operationName => $name } };
            next;
        }
        my $ch = $self->{channels}{$login // ''};
        if ($ch && (my $b = $self->burst($ch, 'gql', undef))) {
            my @r = twitch_error($b, 'Service error');
            $self->record($req, kind => 'gql', status => $b, channel => $login);
            return @r;
        }
        my $token;
        if ($ch && $self->live($ch)) {
            my $value = $J->encode({ adblock => JSON::PP::false, authorization => { forbidden => JSON::PP::false, reason => '' },
                                     blackout_enabled => JSON::PP::false, channel => $login, channel_id => $ch->{channel_id},
                                     chansub => { restricted_bitrates => [], view_until => 1924905600 },
                                     ci_gb => JSON::PP::false, geoblock_reason => '', device_id => undef,
                                     expires => int(time) + $self->{token_ttl}, extended_history_allowed => JSON::PP::false,
                                     game => '', hide_ads => JSON::PP::false, https_required => JSON::PP::true,
                                     mature => JSON::PP::false, partner => JSON::PP::false, platform => 'web',
                                     player_type => $op->{variables}{playerType} // 'embed', private => { allowed_to_view => JSON::PP::true },
                                     privileged => JSON::PP::false, role => '', server_ads => JSON::PP::true,
                                     show_ads => JSON::PP::true, subscriber => JSON::PP::false, turbo => JSON::PP::false,
                                     user_id => undef, user_ip => '127.0.0.1', version => 2 });
            $token = { value => $value, signature => hmac_sha1_hex($value, $self->{secret}),
                       __typename => 'PlaybackAccessToken' };
        }
        push @out, { data => { streamPlaybackAccessToken => $token },
                     extensions => { durationMilliseconds => 12, operationName => 'PlaybackAccessToken',
                                     requestID => sprintf('01FAKE%020d', $self->{n}) } };
    }
    $self->record($req, kind => 'gql', status => 200, channel => $login,
                  authorization => $req->{headers}{authorization} // '');
    return (200, 'application/json', $J->encode($batch ? \@out : $out[0]));
}

sub usher_error {
    my ($self, $req, $status, $error, $code) = @_;
    return ($status, 'application/json; charset=utf-8',
            $J->encode([ { type => 'error', error => $error, error_code => $code,
                           url => "$self->{url}$req->{target}" } ]));
}

sub usher {
    my ($self, $req, $login) = @_;
    my $ch = $self->{channels}{$login};
    my @r;
    my $token = eval { $J->decode($req->{query}{token} // '') };
    if ($ch && (my $b = $self->burst($ch, 'usher', undef))) {
        @r = $self->usher_error($req, $b, 'Service error', 'service_error');
    } elsif (!ref $token || ($req->{query}{sig} // '') ne hmac_sha1_hex($req->{query}{token}, $self->{secret})) {
        @r = $self->usher_error($req, 403, 'Unauthorized', 'invalid_signature');
    } elsif (lc($token->{channel} // '') ne $login) {
        @r = $self->usher_error($req, 403, 'Unauthorized', 'unauthorized_entitlements');
    } elsif (($token->{expires} // 0) < time) {
        @r = $self->usher_error($req, 403, 'Unauthorized', 'token_expired');
    } elsif (!$ch || !$self->live($ch)) {
        @r = $self->usher_error($req, 404, 'Can not find channel', 'transcode_does_not_exist');
    } else {
        @r = (200, 'application/vnd.apple.mpegurl', $self->multivariant($ch));
    }
    $self->record($req, kind => 'usher', status => $r[0], channel => $login,
                  $ch && $ch->{cur} ? (instance => $ch->{cur}{id}) : ());
    return @r;
}

sub multivariant {
    my ($self, $ch) = @_;
    my $inst = $ch->{cur};
    my $base = "$self->{url}$self->{media_path}/$ch->{login}/$inst->{id}";
    my $out = "#EXTM3U\n";
    my $media = $self->{usher_format} eq 'media';
    if ($media) {
        $out .= sprintf qq{#EXT-X-TWITCH-INFO:NODE="fake",MANIFEST-NODE="fake",SUPPRESS="false",SERVER-TIME="%.2f",}
            . qq{USER-IP="127.0.0.1",SERVING-ID="fake%d",CLUSTER="fake",BROADCAST-ID="%d",STREAM-TIME="%.1f",}
            . qq{MANIFEST-CLUSTER="fake",ORIGIN="fake",REGION="LOCAL"\n},
            time, $self->{n}, $inst->{id}, time - $inst->{t0};
    }
    for my $q (@QUALITIES) {
        my ($name, $size, $bw, $codecs) = @$q;
        my $src = $name eq $SOURCE;
        my $res = $size ? ",RESOLUTION=$size" : '';
        my $fr = $size ? ',FRAME-RATE=30.000' : '';
        if ($media) {
            my $group = $src ? 'chunked' : $name;
            my $label = $src ? "$name (source)" : $name;
            my $auto = $name eq 'audio_only' ? 'NO' : 'YES';
            $out .= qq{#EXT-X-MEDIA:TYPE=VIDEO,GROUP-ID="$group",NAME="$label",AUTOSELECT=$auto,DEFAULT=$auto\n}
                . qq{#EXT-X-STREAM-INF:BANDWIDTH=$bw$res,CODECS="$codecs",VIDEO="$group"$fr\n};
        } else {
            my $stable = $name eq '480p' ? '480p30' : $name;
            $out .= qq{#EXT-X-STREAM-INF:BANDWIDTH=$bw$res,CODECS="$codecs"$fr,STABLE-VARIANT-ID="$stable",}
                . qq{IVS-NAME="$name",IVS-VARIANT-SOURCE="} . ($src ? 'source' : 'transcode') . qq{"\n};
        }
        $out .= "$base/$name.m3u8\n";
    }
    return $out;
}

# --- channels and their timeline ------------------------------------------------------

my $next_channel_id = 1337;

sub channel {
    my ($self, $login, $o) = @_;
    $login = lc $login;
    return $self->{channels}{$login} //= {
        login => $login, channel_id => $o->{channel_id} // $next_channel_id++,
        script => [ @{ $o->{script} // [] } ], bursts => [], instances => {},
        media_sequence => $o->{media_sequence} // 0,
    };
}

sub start_instance {
    my ($self, $ch, %o) = @_;
    $self->end_instance($ch, 1) if $ch->{cur};
    my $now = time;
    my $inst = { id => ++$self->{instance_seq}, t0 => $now,
                 seq0 => $o{media_sequence} // $ch->{media_sequence}, wall0 => $now,
                 entries => [], content => 0, ad_n => 0, ended => undef, stalls => [] };
    $ch->{instances}{ $inst->{id} } = $inst;
    $ch->{cur} = $inst;
    delete $ch->{return_at};
    $self->advance($ch, $now);
    return $inst;
}

# The stream ends after the segments generated so far (+ $drop_pending: the script goes).
sub end_instance {
    my ($self, $ch, $keep) = @_;
    my $inst = $ch->{cur} or return;
    $inst->{ended} //= scalar @{ $inst->{entries} };
    $inst->{ended_at} = $self->finish_time($inst, $inst->{ended} - 1);
    $ch->{script} = [] unless $keep;
}

sub dur { $_[0]{segment_duration} }

# When entry k is finished (listed as a regular segment): stalls at or
# before it make it later.
sub finish_time {
    my ($self, $inst, $k) = @_;
    my $t = $inst->{t0} + ($k + 1 - $self->{backlog}) * $self->dur;
    $t += $_->[1] for grep { $_->[0] <= $k } @{ $inst->{stalls} };
    return $t;
}

# Finished entries at $now: each stall [k, S] holds entry k and the later
# ones back by S.
sub finished {
    my ($self, $inst, $now) = @_;
    my $shift = 0;
    my $count = sub { $self->{backlog} + floor(($now - $inst->{t0} - $shift) / $self->dur + 1e-9) };
    my $n;
    for my $stall (@{ $inst->{stalls} }) {
        my ($k, $s) = @$stall;
        $n = $count->();
        last if $n <= $k;
        $shift += $s;
        $n = undef;
        if ($count->() <= $k) { $n = $k; last }
    }
    $n //= $count->();
    $n = 0 if $n < 0;
    $n = $inst->{ended} if defined $inst->{ended} && $n > $inst->{ended};
    return $n;
}

sub live {
    my ($self, $ch) = @_;
    my $inst = $ch->{cur} or return 0;
    return !defined $inst->{ended} || time < $inst->{ended_at};
}

sub tick {
    my ($self) = @_;
    my $now = time;
    for my $ch (values %{ $self->{channels} }) {
        my $inst = $ch->{cur};
        if ($inst && defined $inst->{ended} && $now >= $inst->{ended_at}) {
            $ch->{cur} = undef;
        }
        if (!$ch->{cur} && defined $ch->{return_at} && $now >= $ch->{return_at}) {
            $self->start_instance($ch);
        }
        $self->advance($ch, $now) if $ch->{cur};
    }
}

# Produces entries up to the ones announced now, running the script.
sub advance {
    my ($self, $ch, $now) = @_;
    my $inst = $ch->{cur};
    my $want = $self->finished($inst, $now) + $self->{prefetch};
    my $e = $inst->{entries};
    while (!defined $inst->{ended} && @$e < $want) {
        my $k = @$e;
        my $step = $ch->{script}[0];
        my ($type, $arg) = $step ? @$step : ('content', undef);
        my $at = $k ? $self->finish_time($inst, $k - 1) : $now;
        $at = $now if $at < $now;
        if ($type eq 'content' && defined $arg && $arg <= 0) {
            shift @{ $ch->{script} };
        } elsif ($type eq 'content') {
            my $prev = $k ? $e->[-1] : undef;
            push @$e, { content => $inst->{content}++, disc => ($prev && $prev->{ad}) ? 1 : 0 };
            if (defined $arg) { $step->[1]--; shift @{ $ch->{script} } if $step->[1] <= 0 }
        } elsif ($type eq 'ad') {
            shift @{ $ch->{script} };
            my $n = $arg // 3;
            next if $n <= 0;
            my $pdt = $inst->{wall0} + ($k - $self->{backlog}) * $self->dur;
            my $brk = { id => sprintf('stitched-ad-%d-%d', int($pdt), $n * $self->dur),
                        start => $pdt, duration => $n * $self->dur, first => $k, n => $n,
                        commercial => 9000 + $inst->{ad_n} };
            for my $i (0 .. $n - 1) {
                push @$e, { ad => 1, break => $brk, ad_index => $inst->{ad_n}++, disc => $i == 0 ? 1 : 0 };
            }
        } elsif ($type eq 'errors') {
            shift @{ $ch->{script} };
            $self->add_burst($ch, { %{ $arg // {} } }, $at);
        } elsif ($type eq 'stall') {
            shift @{ $ch->{script} };
            push @{ $inst->{stalls} }, [ $k, $arg // 0 ];
        } elsif ($type eq 'offline') {
            shift @{ $ch->{script} };
            $self->end_instance($ch, 1);
            $ch->{return_at} = $inst->{ended_at} + $arg if defined $arg;
        } else {
            die "unknown script step $type\n";
        }
    }
}

sub add_burst {
    my ($self, $ch, $b, $at) = @_;
    my $st = $b->{status} // 503;
    $b->{status} = ref $st ? $st : [ $st ];
    $b->{target} //= 'media';
    $b->{at} = $at;
    $b->{until} = $at + $b->{seconds} if defined $b->{seconds};
    $b->{count} //= 3 unless defined $b->{seconds};
    $b->{i} = 0;
    push @{ $ch->{bursts} }, $b;
}

# The status an active burst gives this request, or undef.
sub burst {
    my ($self, $ch, $kind, $quality) = @_;
    my $now = time;
    for my $b (@{ $ch->{bursts} }) {
        next if $now < $b->{at};
        next if defined $b->{until} ? $now >= $b->{until} : $b->{count} <= 0;
        my $t = $b->{target};
        next unless $t eq 'any' || $t eq $kind || ($t eq 'media' && ($kind eq 'playlist' || $kind eq 'segment'));
        next if defined $b->{quality} && (!defined $quality || $quality ne $b->{quality});
        $b->{count}-- if defined $b->{count};
        return $b->{status}[ $b->{i}++ % @{ $b->{status} } ];
    }
    @{ $ch->{bursts} } = grep { defined $_->{until} ? $now < $_->{until} : $_->{count} > 0 } @{ $ch->{bursts} };
    return undef;
}

sub pdt {
    my ($t) = @_;
    my $ms = int(($t - int $t) * 1000 + 0.5);
    my $s = int $t;
    if ($ms >= 1000) { $s++; $ms -= 1000 }
    return strftime('%Y-%m-%dT%H:%M:%S', gmtime $s) . sprintf('.%03dZ', $ms);
}

sub media_playlist {
    my ($self, $req, $login, $id, $quality) = @_;
    my $ch = $self->{channels}{$login};
    my $inst = $ch && $ch->{instances}{$id};
    my @r;
    if (!$inst || !$QUALITY{$quality}) {
        @r = (404, 'text/plain', "no such playlist\n");
    } elsif (my $b = $self->burst($ch, 'playlist', $quality)) {
        @r = ($b, 'text/plain', "error $b\n");
    } else {
        $self->advance($ch, time) if $ch->{cur} && $ch->{cur} == $inst;
        @r = (200, 'application/vnd.apple.mpegurl', $self->render($ch, $inst, $quality));
    }
    $self->record($req, kind => 'playlist', status => $r[0], channel => $login, instance => $id, quality => $quality);
    return @r;
}

sub render {
    my ($self, $ch, $inst, $quality) = @_;
    my $now = time;
    my $d = $self->dur;
    my $avail = $self->finished($inst, $now);
    my $first = $avail - $self->{window};
    $first = 0 if $first < 0;
    my $seq = $inst->{seq0} + $first;
    my $base = "$self->{url}$self->{media_path}/$ch->{login}/$inst->{id}/$quality";
    my $out = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:" . ceil($d - 1e-9) . "\n"
        . "#EXT-X-MEDIA-SEQUENCE:$seq\n#EXT-X-TWITCH-LIVE-SEQUENCE:$seq\n";
    my %said;
    my $e = $inst->{entries};
    for my $k ($first .. $avail - 1) {
        my $x = $e->[$k];
        if ($x->{ad} && !$said{ $x->{break} }++) {
            my $b = $x->{break};
            $out .= sprintf qq{#EXT-X-DATERANGE:ID="%s",CLASS="twitch-stitched-ad",START-DATE="%s",DURATION=%.3f,}
                . qq{X-TV-TWITCH-AD-ROLL-TYPE="MIDROLL",X-TV-TWITCH-AD-POD-FILLED-DURATION="%d",}
                . qq{X-TV-TWITCH-AD-COMMERCIAL-ID="%d"\n}, $b->{id}, pdt($b->{start}), $b->{duration},
                $b->{duration}, $b->{commercial};
        }
        $out .= "#EXT-X-DISCONTINUITY\n" if $x->{disc};
        $out .= '#EXT-X-PROGRAM-DATE-TIME:' . pdt($inst->{wall0} + ($k - $self->{backlog}) * $d) . "\n";
        $out .= sprintf "#EXTINF:%.3f,%s\n", $d, $x->{ad} ? "Amazon|$x->{break}{commercial}" : 'live';
        $out .= "$base/" . ($inst->{seq0} + $k) . ".ts\n";
    }
    if (defined $inst->{ended} && $avail >= $inst->{ended}) {
        $out .= "#EXT-X-ENDLIST\n";
    } else {
        for my $k ($avail .. $avail + $self->{prefetch} - 1) {
            my $x = $e->[$k] or last;
            last if $x->{ad} || $x->{disc};
            $out .= "#EXT-X-TWITCH-PREFETCH:$base/" . ($inst->{seq0} + $k) . ".ts\n";
        }
    }
    return $out;
}

sub segment {
    my ($self, $req, $login, $id, $quality, $seq) = @_;
    my $ch = $self->{channels}{$login};
    my $inst = $ch && $ch->{instances}{$id};
    my %f = (kind => 'segment', channel => $login, instance => $id, quality => $quality, seq => $seq);
    my $k = $inst ? $seq - $inst->{seq0} : -1;
    my $avail = $inst ? $self->finished($inst, time) : 0;
    $self->advance($ch, time) if $inst && $ch->{cur} && $ch->{cur} == $inst;
    my $x = $k >= 0 && $k < $avail + $self->{prefetch} ? $inst->{entries}[$k] : undef;
    if (!$x || !$QUALITY{$quality}) {
        $self->record($req, %f, status => 404);
        return (404, 'text/plain', "no such segment\n");
    }
    $f{ad} = $x->{ad} ? 1 : 0;
    $f{content} = $x->{content};
    $f{ad_id} = $x->{break}{id} if $x->{ad};
    $f{prefetch} = $k >= $avail ? 1 : 0;
    if (my $b = $self->burst($ch, 'segment', $quality)) {
        $self->record($req, %f, status => $b);
        return ($b, 'text/plain', "error $b\n");
    }
    my $bytes = $self->bytes($x, $quality);
    $self->record($req, %f, status => 200, bytes => length $bytes, sha1 => sha1_hex($bytes));
    return (200, 'video/mp2t', $bytes);
}

# --- MPEG-TS: the pools and their rewriting ---------------------------------------------

sub load_media {
    my ($self) = @_;
    for my $kind ('content', 'ad') {
        my $n = $kind eq 'content' ? $self->{pool} : $self->{ad_pool};
        for my $q (map { $_->[0] } @QUALITIES) {
            my (@segs, %total);
            for my $i (0 .. $n - 1) {
                my $path = sprintf '%s/%s/%s/%04d.ts', $self->{media}, $kind, $q, $i;
                my $data = StreamVault::Test::slurp($path) // die "missing $path\n";
                die "$path is not MPEG-TS\n" if length($data) % 188;
                my %count;    # packets with payload per PID
                for (my $o = 0; $o < length $data; $o += 188) {
                    my ($b1, $b2, $b3) = unpack 'x C C C', substr($data, $o, 4);
                    my $pid = (($b1 & 0x1F) << 8) | $b2;
                    $count{$pid}++ if $b3 & 0x10;
                }
                push @segs, { data => $data, start => { %total } };
                $total{$_} += $count{$_} for keys %count;
            }
            $self->{pools}{$kind}{$q} = { segs => \@segs, total => \%total, n => $n };
        }
    }
}

sub bytes {
    my ($self, $x, $quality) = @_;
    my ($kind, $c) = $x->{ad} ? ('ad', $x->{ad_index}) : ('content', $x->{content});
    my $key = "$kind/$quality/$c";
    my $cache = $self->{cache};
    return $cache->{$key} if exists $cache->{$key};
    %$cache = () if keys %$cache > 256;
    my $pool = $self->{pools}{$kind}{$quality};
    my $i = $c % $pool->{n};
    my $cycle = ($c - $i) / $pool->{n};
    my $seg = $pool->{segs}[$i];
    my %cc = map { $_ => ($cycle * $pool->{total}{$_} + ($seg->{start}{$_} // 0)) % 16 } keys %{ $pool->{total} };
    my $offset = int($cycle * $pool->{n} * $self->dur * 90000 + 0.5)
        + ($kind eq 'content' ? $self->{content_pts_base} * 90000 : 0);
    return $cache->{$key} = rewrite_ts($seg->{data}, $offset, \%cc);
}

my $WRAP = 2**33;

sub get_ts {
    my ($s) = @_;
    my @b = unpack 'C5', $s;
    return (($b[0] >> 1) & 7) * 2**30 + ($b[1] << 22) + (($b[2] >> 1) << 15) + ($b[3] << 7) + ($b[4] >> 1);
}

sub put_ts {
    my ($orig, $ts) = @_;
    my $b0 = (ord($orig) & 0xF0) | ((int($ts / 2**30) & 7) << 1) | 1;
    return pack 'C5', $b0, ($ts >> 22) & 0xFF, ((($ts >> 15) & 0x7F) << 1) | 1, ($ts >> 7) & 0xFF,
        (($ts & 0x7F) << 1) | 1;
}

# Moves PTS/DTS/PCR by $offset (90 kHz) and numbers the continuity counters
# of each PID on from $cc->{pid}.
sub rewrite_ts {
    my ($data, $offset, $cc) = @_;
    my %n;
    my $len = length $data;
    for (my $o = 0; $o < $len; $o += 188) {
        my ($sync, $b1, $b2, $b3) = unpack 'C4', substr($data, $o, 4);
        next unless $sync == 0x47;
        my $pid = (($b1 & 0x1F) << 8) | $b2;
        next if $pid == 0x1FFF;
        my $payload = $b3 & 0x10;
        my $count = $n{$pid} // 0;
        my $c = (($cc->{$pid} // 0) + $count - ($payload ? 0 : 1)) % 16;
        $n{$pid} = $count + 1 if $payload;
        substr($data, $o + 3, 1, chr(($b3 & 0xF0) | $c));
        next unless $offset;
        my $p = $o + 4;
        if ($b3 & 0x20) {
            my $af = ord substr($data, $p, 1);
            if ($af > 0 && (ord(substr($data, $p + 1, 1)) & 0x10)) {
                my @b = unpack 'C6', substr($data, $p + 2, 6);
                my $base = $b[0] * 2**25 + ($b[1] << 17) + ($b[2] << 9) + ($b[3] << 1) + ($b[4] >> 7);
                my $ext = (($b[4] & 1) << 8) | $b[5];
                $base = ($base + $offset) % $WRAP;
                substr($data, $p + 2, 6, pack('C6', int($base / 2**25) & 0xFF, ($base >> 17) & 0xFF,
                                               ($base >> 9) & 0xFF, ($base >> 1) & 0xFF,
                                               (($base & 1) << 7) | 0x7E | ($ext >> 8), $ext & 0xFF));
            }
            $p += 1 + $af;
        }
        next unless $payload && ($b1 & 0x40) && $p + 14 <= $o + 188;
        next unless substr($data, $p, 3) eq "\0\0\1";
        my $sid = ord substr($data, $p + 3, 1);
        next unless $sid == 0xBD || ($sid >= 0xC0 && $sid <= 0xEF);
        my $flags = ord(substr($data, $p + 7, 1)) >> 6;
        if ($flags & 2) {
            my $ts = (get_ts(substr($data, $p + 9, 5)) + $offset) % $WRAP;
            substr($data, $p + 9, 5, put_ts(substr($data, $p + 9, 1), $ts));
        }
        if ($flags == 3 && $p + 19 <= $o + 188) {
            my $ts = (get_ts(substr($data, $p + 14, 5)) + $offset) % $WRAP;
            substr($data, $p + 14, 5, put_ts(substr($data, $p + 14, 1), $ts));
        }
    }
    return $data;
}

# --- control ---------------------------------------------------------------------

sub control {
    my ($self, $req) = @_;
    my $p = $req->{path};
    my $in = length $req->{body} ? eval { $J->decode($req->{body}) } // {} : {};
    my $ok = sub { (200, 'application/json', $J->encode({ ok => JSON::PP::true, @_ })) };
    if ($p eq '/_control/state') {
        my %out;
        my $now = time;
        for my $ch (values %{ $self->{channels} }) {
            my $inst = $ch->{cur};
            my $fin = $inst ? $self->finished($inst, $now) : undef;
            $out{ $ch->{login} } = {
                live => $self->live($ch) ? JSON::PP::true : JSON::PP::false,
                channel_id => $ch->{channel_id},
                instances => [ sort { $a <=> $b } keys %{ $ch->{instances} } ],
                $inst ? (instance => $inst->{id}, finished => $fin, generated => scalar @{ $inst->{entries} },
                         media_sequence => $inst->{seq0} + ($fin > $self->{window} ? $fin - $self->{window} : 0),
                         next_sequence => $inst->{seq0} + $fin, content => $inst->{content}) : (),
                script => $ch->{script},
            };
        }
        return $ok->(channels => \%out, now => $now, segment_duration => $self->dur);
    }
    if ($p eq '/_control/log') {
        my $since = $req->{query}{since} // 0;
        return $ok->(log => [ grep { $_->{n} > $since } @{ $self->{log} } ]);
    }
    if ($p =~ m{^/_control/bytes/([a-z0-9_]+)/(\d+)/([a-z0-9_]+)/(\d+)$}) {
        my $ch = $self->{channels}{$1};
        my $inst = $ch && $ch->{instances}{$2};
        my $x = $inst && $4 >= $inst->{seq0} && $inst->{entries}[ $4 - $inst->{seq0} ];
        return (404, 'text/plain', "no such segment\n") unless $x && $QUALITY{$3};
        return (200, 'video/mp2t', $self->bytes($x, $3));
    }
    if ($p =~ m{^/_control/channels/([a-z0-9_]+)/(start|stop|ad|errors|script)$} && $req->{method} eq 'POST') {
        my ($login, $what) = ($1, $2);
        my $ch = $self->channel($login, $in);
        if ($what eq 'start') {
            $ch->{script} = [ @{ $in->{script} } ] if $in->{script};
            my $inst = $self->start_instance($ch, media_sequence => $in->{media_sequence});
            return $ok->(instance => $inst->{id});
        }
        if ($what eq 'stop') {
            $self->end_instance($ch, 0);
            delete $ch->{return_at};
            return $ok->(ended_at => $ch->{cur} ? $ch->{cur}{ended_at} : time);
        }
        if ($what eq 'ad') {
            unshift @{ $ch->{script} }, [ ad => $in->{segments} // 3 ];
            return $ok->();
        }
        if ($what eq 'errors') {
            $self->add_burst($ch, $in, time);
            return $ok->();
        }
        push @{ $ch->{script} }, @{ $in->{steps} // [] };
        return $ok->();
    }
    return (404, 'application/json', $J->encode({ error => "no control $p" }));
}

1;
