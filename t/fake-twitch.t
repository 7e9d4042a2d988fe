# The fake Twitch (t/lib/StreamVault/FakeTwitch.pm) checked with real
# clients: curl for GQL and usher, ffprobe on its segments, ffmpeg recording
# its live HLS for 5 s; the playlist text for the moving window, the ad break
# markers (EXT-X-DATERANGE, Amazon titles, discontinuities), the prefetch
# lines, scripted and injected error bursts, going offline (ENDLIST, usher
# 404, GQL null) and coming back as a new instance; 30 clients at once and a
# stalled one; the served-segment log.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json);
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(run_cmd test_dir wait_for slurp alive);
use StreamVault::FakeTwitch;

alarm 90;
my $dir = test_dir();
my $tw = StreamVault::FakeTwitch->new(
    segment_duration => 1,
    channels => {
        cool_user => {},                                           # content forever
        adsy      => { live => 0 },    # started below, with their scripts
        flaky     => { live => 0 },
        sleepy    => { live => 0 },
    });
my $url = $tw->url;
ok(alive($tw->pid), "the fake runs at $url");

sub curl {
    my (@args) = @_;
    my $r = run_cmd([ 'curl', '-sS', '-w', '\n%{http_code}', @args ], timeout => 20);
    die "curl: $r->{err}" if $r->{status};
    my ($body, $code) = $r->{out} =~ /^(.*)\n(\d+)$/s;
    return ($code, $body);
}
# ffprobe's csv lists a stream under its program and again on its own
sub uniq_lines { my %seen; return join ' ', grep { length && !$seen{$_}++ } map { s/,+$//r } split /\n/, $_[0] }
sub gql {
    my ($login, @headers) = @_;
    my $body = JSON::PP->new->canonical->encode(StreamVault::FakeTwitch::gql_request($login));
    return curl('-X', 'POST', $tw->gql_url, (map { ('-H', $_) } @headers), '--data-binary', $body);
}
my $cid = "Client-ID: $StreamVault::FakeTwitch::WEB_CLIENT_ID";

# --- GQL ---
my ($code, $body) = gql('cool_user');
is($code, 400, 'GQL without Client-ID: 400');
is_deeply(decode_json($body), { error => 'Bad Request', status => 400,
                                message => 'The "Client-ID" header is missing from the request.' },
          "with Twitch's error JSON");
($code, $body) = gql('cool_user', $cid, 'Authorization: OAuth abc');
is($code, 200, 'GQL PlaybackAccessToken: 200');
my $token = decode_json($body)->{data}{streamPlaybackAccessToken};
like($token->{signature}, qr/^[0-9a-f]{40}$/, 'a signature');
my $value = decode_json($token->{value});
is($value->{channel}, 'cool_user', 'the token value names the channel');
ok($value->{expires} > time, 'and expires later');
is(decode_json($body)->{extensions}{operationName}, 'PlaybackAccessToken', 'the extensions as Twitch');
for my $login ('sleepy', 'nobody_here') {
    ($code, $body) = gql($login, $cid);
    my $data = decode_json($body);
    is($code, 200, "GQL for $login: 200");
    ok(exists $data->{data}{streamPlaybackAccessToken} && !defined $data->{data}{streamPlaybackAccessToken},
       "$login: streamPlaybackAccessToken is null");
}

# --- usher ---
my $usher = $tw->usher_url('cool_user', token => $token);
($code, $body) = curl($usher);
is($code, 200, 'usher: 200');
my @variants = $body =~ /^#EXT-X-STREAM-INF:(.*)\n(\S+)$/mg;
my %by_name;
while (my ($attrs, $uri) = splice @variants, 0, 2) {
    my ($name) = $attrs =~ /IVS-NAME="([^"]+)"/;
    $by_name{$name} = { attrs => $attrs, uri => $uri };
}
is_deeply([ sort keys %by_name ], [ sort qw(1080p60 720p60 480p audio_only) ], 'four qualities');
like($by_name{'1080p60'}{attrs}, qr/IVS-VARIANT-SOURCE="source"/, '1080p60 is the source');
like($by_name{'720p60'}{attrs}, qr/IVS-VARIANT-SOURCE="transcode"/, '720p60 a transcode');
like($by_name{audio_only}{attrs}, qr/CODECS="mp4a\.40\.2"/, 'audio_only is audio');
like($by_name{'1080p60'}{uri}, qr{^\Q$url\E/hls/cool_user/\d+/1080p60\.m3u8$}, 'variant URIs point at the fake');
($code) = curl($tw->usher_url('cool_user', token => $token, v2 => 1));
is($code, 200, 'the v2 usher path too');
(my $bad = $usher) =~ s/sig=([0-9a-f])/'sig=' . ($1 eq '0' ? '1' : '0')/e;
($code, $body) = curl($bad);
is($code, 403, 'usher with a wrong sig: 403');
is(decode_json($body)->[0]{type}, 'error', 'with a JSON error');
(my $other = $usher) =~ s{/cool_user\.m3u8}{/adsy.m3u8};
($code) = curl($other);
is($code, 403, "usher with another channel's token: 403");

# --- media playlists: a moving window ---
my $media = $by_name{'1080p60'}{uri};
($code, my $pl1) = curl($media);
is($code, 200, 'media playlist: 200');
like($pl1, qr/\A#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:\d+\n/, 'the header');
my @segs1 = $pl1 =~ /^#EXT-X-PROGRAM-DATE-TIME:\S+Z\n#EXTINF:1\.000,live\n(\S+\.ts)$/mg;
is(scalar @segs1, 6, 'six segments, each with a program date time, titled live');
my @prefetch = $pl1 =~ /^#EXT-X-TWITCH-PREFETCH:(\S+)$/mg;
is(scalar @prefetch, 2, 'two prefetch lines');
my ($seq1) = $pl1 =~ /MEDIA-SEQUENCE:(\d+)/;
my ($last1) = $segs1[-1] =~ m{/(\d+)\.ts$};
is($prefetch[0], $segs1[-1] =~ s{/\d+\.ts$}{'/' . ($last1 + 1) . '.ts'}er, 'the prefetch is the next segment');
unlike($pl1, qr/ENDLIST/, 'no ENDLIST while live');
sleep 2.2;
(undef, my $pl2) = curl($media);
my ($seq2) = $pl2 =~ /MEDIA-SEQUENCE:(\d+)/;
ok($seq2 >= $seq1 + 2 && $seq2 <= $seq1 + 3, "the window moved with time ($seq1 -> $seq2)");
my $pl2_segs = () = $pl2 =~ /^#EXTINF/mg;
is($pl2_segs, 6, 'still six segments');

# --- segments: real MPEG-TS per quality ---
my %size = ('1080p60' => '320,180', '720p60' => '256,144', '480p' => '192,108');
for my $q (qw(1080p60 720p60 480p audio_only)) {
    (undef, my $pl) = curl($by_name{$q}{uri});
    my ($seg) = $pl =~ /^(http\S+\.ts)$/m;
    my $r = run_cmd([ 'ffprobe', '-v', 'error', '-show_entries', 'stream=codec_name,width,height',
                      '-of', 'csv=p=0', $seg ], timeout => 20);
    is(uniq_lines($r->{out}), $q eq 'audio_only' ? 'aac' : "h264,$size{$q} aac", "$q: ffprobe reads its segment ($seg)")
        or diag $r->{err};
}

# --- ffmpeg records the live stream: 5 s, gapless in the log ---
my $since = ($tw->requests)[-1]{n};
my $t0 = time;
my $r = run_cmd([ 'ffmpeg', '-v', 'error', '-y', '-i', $media, '-t', 5, '-c', 'copy', "$dir/out.ts" ], timeout => 40);
is($r->{status}, 0, sprintf('ffmpeg -i <live playlist> -t 5 -c copy works (%.1f s)', time - $t0)) or diag $r->{err};
$r = run_cmd([ 'ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', "$dir/out.ts" ]);
chomp $r->{out};
ok($r->{out} > 4.5 && $r->{out} < 6, "the recording lasts about 5 s ($r->{out})");
my @got = $tw->served(since => $since, channel => 'cool_user', quality => '1080p60');
my @seqs = map { $_->{seq} } @got;
ok(@seqs >= 5, 'ffmpeg fetched at least 5 segments: ' . "@seqs");
is_deeply(\@seqs, [ $seqs[0] .. $seqs[0] + $#seqs ], 'consecutive, none twice');
is_deeply([ map { $_->{content} } @got ], [ map { $_ - $seqs[0] + $got[0]{content} } @seqs ],
          'content numbers follow the sequence numbers');
ok(!grep({ $_->{ad} } @got), 'no ads on this channel');
my $bytes = $tw->segment_bytes('cool_user', $got[1]{instance}, '1080p60', $got[1]{seq});
is(Digest::SHA::sha1_hex($bytes), $got[1]{sha1}, 'segment_bytes gives the bytes that were served');
# content segment c starts at PTS 1000 + pool start (1.421333) + c seconds
StreamVault::Test::spurt("$dir/one.ts", $bytes);
$r = run_cmd([ 'ffprobe', '-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=start_time',
               '-of', 'csv=p=0', "$dir/one.ts" ]);
ok(abs(uniq_lines($r->{out}) - (1001.421333 + $got[1]{content})) < 0.01,
   "a content segment's first PTS tells its number (" . uniq_lines($r->{out}) . ", content $got[1]{content})");

# --- the ad break ---
$tw->start_channel('adsy', script => [ [ content => 4 ], [ ad => 3 ], [ content => undef ] ]);
my $ads_media = $tw->media_playlist_url('adsy');
my $adpl = wait_for(sub { my (undef, $p) = curl($ads_media); $p =~ /live\n\S+\n#EXT-X-DATERANGE/ && $p =~ /live\n\S+\n(?:#EXT-X-TWITCH-PREFETCH:\S+\n)*\z/ ? $p : undef }, 10);
ok($adpl, 'the ad break shows up in the window, with content after it');
like($adpl, qr/^#EXT-X-DATERANGE:ID="stitched-ad-[^"]+",CLASS="twitch-stitched-ad",START-DATE="[^"]+Z",DURATION=3\.000,/m,
     'an EXT-X-DATERANGE of class twitch-stitched-ad');
my @ad_lines = $adpl =~ /^#EXTINF:1\.000,(Amazon\|\d+)\n/mg;
is(scalar @ad_lines, 3, 'three segments titled Amazon|...');
like($adpl, qr/#EXTINF:1\.000,live\n\S+\n#EXT-X-DATERANGE:[^\n]+\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXTINF:1\.000,Amazon/,
     'a discontinuity before the first ad segment');
like($adpl, qr/Amazon\|\d+\n\S+\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:[^\n]+\n#EXTINF:1\.000,live/,
     'and one before the content after it');
my @ad_uris = $adpl =~ /Amazon\|\d+\n(\S+)/g;
my $ad_since = ($tw->requests)[-1]{n};
curl($_) for @ad_uris;
my @ad_served = $tw->served(since => $ad_since, channel => 'adsy');
is(scalar(grep { $_->{ad} && $_->{ad_id} =~ /^stitched-ad-/ && !defined $_->{content} } @ad_served), 3,
   'the log marks the served ad segments');
$r = run_cmd([ 'ffprobe', '-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=start_time',
               '-of', 'csv=p=0', $ad_uris[0] ]);
ok(uniq_lines($r->{out}) < 1000, 'ad timestamps stay below the content\'s (' . uniq_lines($r->{out}) . ')');
# an injected ad break
$tw->inject_ad('cool_user', 2);
ok(wait_for(sub { (curl($media))[1] =~ /Amazon/ }, 8), 'an injected ad break appears in the playlist');

# --- error bursts ---
$tw->inject_errors('cool_user', target => 'playlist', status => [ 503, 500 ], count => 2);
is_deeply([ map { (curl($media))[0] } 1 .. 3 ], [ 503, 500, 200 ], 'an injected playlist burst: 503, 500, then 200');
$tw->inject_errors('cool_user', target => 'segment', status => 404, count => 1, quality => '1080p60');
(undef, my $p) = curl($media);
my ($seg) = $p =~ /^(http\S+\.ts)$/m;
is_deeply([ map { (curl('-o', '/dev/null', $seg))[0] } 1 .. 2 ], [ 404, 200 ], 'an injected segment burst: 404, then 200');
$tw->inject_errors('cool_user', target => 'usher', status => 500, count => 1);
is((curl($usher))[0], 500, 'an injected usher burst');
is((curl($usher))[0], 200, 'usher answers again after it');
# the scripted one on flaky: after its 7th segment, the next two segment requests fail
$tw->start_channel('flaky', script => [
    [ content => 7 ], [ errors => { target => 'segment', status => [ 502, 404 ], count => 2 } ],
    [ content => 3 ], [ offline => 3 ], [ content => undef ] ]);
my $flaky_media = $tw->media_playlist_url('flaky');
my $flaky_inst = $tw->state->{channels}{flaky}{instance};
ok(wait_for(sub { $tw->state->{channels}{flaky}{finished} >= 7 }, 10), 'flaky reaches the scripted burst');
my $seg7 = $tw->segment_url('flaky', $flaky_inst, '1080p60', 6);
is_deeply([ map { (curl('-o', '/dev/null', $seg7))[0] } 1 .. 3 ], [ 502, 404, 200 ],
          'the scripted segment burst: 502, 404, then 200');

# --- going offline and coming back ---
my $flaky_usher = $tw->usher_url('flaky');
my $ended = wait_for(sub { my (undef, $p) = curl($flaky_media); $p =~ /#EXT-X-ENDLIST\n\z/ ? $p : undef }, 10);
ok($ended, 'the scripted offline: the playlist ends with ENDLIST');
unlike($ended // '', qr/PREFETCH/, 'no prefetch after the end');
($code, $body) = curl($flaky_usher);
is($code, 404, 'usher: 404 once offline');
is(decode_json($body)->[0]{error_code}, 'transcode_does_not_exist', "with Twitch's body");
ok(!defined decode_json((gql('flaky', $cid))[1])->{data}{streamPlaybackAccessToken}, 'GQL: null once offline');
ok(wait_for(sub { ($tw->state->{channels}{flaky}{instance} // 0) > $flaky_inst }, 6), 'flaky comes back after 3 s');
my $back_usher = $tw->usher_url('flaky');
($code, $body) = curl($back_usher);
is($code, 200, 'usher answers again');
my ($new_media) = $body =~ m{^(\S+/1080p60\.m3u8)$}m;
isnt($new_media, $flaky_media, 'a new stream instance, a new media playlist');
like((curl($new_media))[1], qr/MEDIA-SEQUENCE:0\n/, 'counting from 0 again');
like((curl($flaky_media))[1], qr/#EXT-X-ENDLIST\n\z/, 'the old playlist stays ended');

$tw->stop_channel('cool_user');
ok(wait_for(sub { (curl($media))[1] =~ /#EXT-X-ENDLIST\n\z/ }, 5), 'stop_channel: ENDLIST within the prefetch');
is((curl($usher))[0], 404, 'and usher 404');
my $new = $tw->start_channel('cool_user');
ok($new->{instance}, 'start_channel: a new instance');
isnt($tw->media_playlist_url('cool_user'), $media, 'with its own playlist');
my $t2 = $tw->access_token('cool_user');
is((curl($tw->usher_url('cool_user', token => $t2)))[0], 200, 'live again for usher');

# --- many clients at once, and one that stalls ---
my $stall = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $tw->port) or die "connect: $!";
print {$stall} "GET /hls/cool_user/";    # and nothing more
my $live_media = $tw->media_playlist_url('cool_user');
(undef, $p) = curl($live_media);
my @uris = $p =~ /^(http\S+\.ts)$/mg;
my @many = map { ($uris[$_ % @uris], '-o', '/dev/null') } 0 .. 29;
$t0 = time;
$r = run_cmd([ 'curl', '-sS', '--parallel', '--parallel-max', 30, '-w', '%{http_code}\n', @many ], timeout => 30);
my @codes = split /\n/, $r->{out};
is(scalar(grep { $_ eq '200' } @codes), 30, sprintf('30 parallel segment downloads: all 200 (%.2f s)', time - $t0));
close $stall;

# --- the log ---
my @all = $tw->requests;
my %kinds = map { $_->{kind} => 1 } @all;
ok($kinds{$_}, "the log has $_ requests") for qw(gql usher playlist segment);
ok(!grep({ ($_->{path} // '') =~ m{^/_control/} } @all), 'control requests stay out of it');
my ($one) = $tw->served(channel => 'adsy', ad => 1);
ok($one && $one->{bytes} > 0 && $one->{sha1}, 'served entries carry size and sha1');

my $pid = $tw->pid;
ok($tw->stop, 'the fake stops cleanly');
ok(!alive($pid), 'its process is gone');
done_testing();
