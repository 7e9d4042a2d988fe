# Media delivery from nginx: a recording imported into the library is
# served at the signed URLs GET /api/recordings/{id}/media hands out. The
# MP4 answers every Range/If-Range/If-None-Match request exactly as a plain
# nginx static location on the same file does (a differential test);
# ffprobe reads the MP4 and the HLS playlist the module makes from the
# fragment index, and ffmpeg -c copy of the HLS URL gives every packet of
# the file; the thumbnail track's relative sprite reference works with its
# signature. Tampered, expired and wrongly scoped signatures are refused,
# and no path reaches a file outside the media root (.., encoded,
# absolute, a symlink). Real nginx, PostgreSQL, Redis and worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use StreamVault::Test qw(run_cmd wait_for spurt slurp http);
use StreamVault::Media qw(media_key media_sig media_escape static_anchor);

alarm 300;
my $stack = StreamVault::Test::stack_object();
my $dir = $stack->dir;
my $media = "$dir/media";
# the anchor: nginx's own static module on the same files (and a "CDN")
my $static = static_anchor($stack, cdn => "$dir/cdn");
$stack->start;

my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in');

# --- a library item -------------------------------------------------------------------------
make_path("$media/import");
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
                   '-f', 'lavfi', '-i', 'sine=frequency=440',
                   '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
                   '-c:a', 'aac', "$media/import/clip.mp4"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made a 20 s MP4') or diag $gen->{err};
# the streamer's picture, on a loopback "CDN": post-processing makes it the show's poster
make_path("$dir/cdn");
$gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'lavfi', '-i',
                'color=red:s=64x64', '-frames:v', '1', "$dir/cdn/alice.jpg"], timeout => 30);
is($gen->{status}, 0, 'a picture of the streamer') or diag $gen->{err};
my $alice = $stack->api('POST', '/api/streamers', as => $admin,
                        json => { login => 'alice', twitch_id => '4242', display_name => 'Alice',
                                  profile_image_url => $static =~ s{/static$}{/cdn/alice.jpg}r })->{json};
my $r = $stack->api('POST', '/api/recordings/import', as => $admin,
                    json => { path => 'import/clip.mp4', streamer_id => $alice->{id}, title => 'Speedrun',
                              date => '2026-11-02' });
is($r->{status}, 202, 'imported') or diag $r->{content};
my $jid = $r->{json}{id} // '';
my $rec;
ok(wait_for(sub { $rec = $stack->psql("SELECT id FROM recordings WHERE import_job = '$jid'");
                  $rec && $stack->psql("SELECT state FROM recordings WHERE id = $rec") eq 'ready' }, 120),
   'post-processing made it a library item')
    or BAIL_OUT('no library item: ' . ($rec ? $stack->psql("SELECT state, error FROM recordings WHERE id = $rec") : ''));
my $file = $stack->psql("SELECT file_path FROM recordings WHERE id = $rec");

# --- the URLs -------------------------------------------------------------------------------
is($stack->api('GET', "/api/recordings/$rec/media")->{status}, 401, 'no URLs without a login');
is($stack->api('GET', '/api/recordings/999999/media', as => $admin)->{status}, 404, 'no such recording: 404');
$r = $stack->api('GET', "/api/recordings/$rec/media", as => $admin);
is($r->{status}, 200, 'GET /api/recordings/{id}/media') or diag $r->{content};
my $m = $r->{json} // {};
my %u = %{ $m->{urls} // {} };
is($m->{id}, $rec, 'of the recording');
ok($m->{expires_at} > time + 3600 && $m->{expires_at} <= time + 6 * 3600 + 5, 'valid for 6 hours (the default)');
is(join(' ', sort keys %u), 'chapters_vtt hls mp4 poster sprite_vtt',
   'the video, its playlist, poster, thumbnail and chapter tracks');
my $esc = media_escape($file);
like($u{mp4} // '', qr{^/media/\d+/0/[A-Za-z0-9_-]{22}/\Q$esc\E$}, 'the MP4: /media/<expires>/0/<signature>/<path>');
(my $playlist_path = $esc) =~ s/\.mp4$/.m3u8/;
like($u{hls} // '', qr{/\Q$playlist_path\E$}, 'the playlist beside it');

# --- the MP4 against nginx's static module ---------------------------------------------------
my $mp4_url = $stack->url . $u{mp4};
my $static_url = "$static/$esc";
my $size = -s "$media/$file";
my $plain = http()->get($static_url);
is($plain->{status}, 200, 'the anchor serves the file');
my ($etag, $lm) = @{ $plain->{headers} }{qw(etag last-modified)};
my @cases = (
    [ 'whole file' ],
    [ 'one range', Range => 'bytes=0-99' ],
    [ 'open-ended', Range => 'bytes=1000-' ],
    [ 'suffix', Range => 'bytes=-500' ],
    [ 'the last byte', Range => 'bytes=' . ($size - 1) . '-' ],
    [ 'two ranges', Range => 'bytes=0-9,2000-2099' ],
    [ 'overlapping ranges', Range => 'bytes=0-99,50-149' ],
    [ 'past the end: 416', Range => 'bytes=' . ($size + 10) . '-' ],
    [ 'malformed range', Range => 'bytes=abc' ],
    [ 'If-Range, same ETag', Range => 'bytes=0-99', 'If-Range' => $etag ],
    [ 'If-Range, another ETag', Range => 'bytes=0-99', 'If-Range' => '"0-0"' ],
    [ 'If-Range, the date', Range => 'bytes=10-19', 'If-Range' => $lm ],
    [ 'If-None-Match: 304', 'If-None-Match' => $etag ],
    [ 'If-None-Match, another', 'If-None-Match' => '"x"' ],
    [ 'If-Modified-Since: 304', 'If-Modified-Since' => $lm ],
    [ 'HEAD', -method => 'HEAD' ],
    [ 'HEAD with a range', -method => 'HEAD', Range => 'bytes=0-1' ],
);
sub normal {
    my ($res) = @_;
    my %h = %{ $res->{headers} };
    my $ct = $h{'content-type'} // '';
    my $b = $ct =~ /boundary=(\S+)/ ? $1 : undef;
    my $body = $res->{content} // '';
    if (defined $b) {
        $body =~ s/\Q$b\E/BOUNDARY/g;
        $ct =~ s/\Q$b\E/BOUNDARY/g;
    }
    return { status => $res->{status}, body => $body, 'content-type' => $ct,
             map { ($_ => $h{$_}) } qw(content-length content-range etag last-modified accept-ranges) };
}
for my $c (@cases) {
    my ($what, %h) = @$c;
    my $method = delete $h{-method} // 'GET';
    my $a = normal(http()->request($method, $mp4_url, { headers => \%h }));
    my $b = normal(http()->request($method, $static_url, { headers => \%h }));
    is_deeply($a, $b, "$what: status $a->{status}, headers and body as nginx static")
        or diag explain { module => { %$a, body => length $a->{body} }, static => { %$b, body => length $b->{body} } };
}
$r = http()->get("$mp4_url?download=1");
like($r->{headers}{'content-disposition'} // '',
     qr/^attachment; filename="[^"]+\.mp4"; filename\*=UTF-8''\S+\.mp4$/, '?download: Content-Disposition');
like($r->{headers}{'cache-control'} // '', qr/^private, max-age=\d+$/, 'private, cached while the URL lasts');

# --- players ------------------------------------------------------------------------------
sub probe_duration {
    my ($url) = @_;
    my $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', $url],
                    timeout => 60);
    return $p->{status} == 0 ? $p->{out} + 0 : -1;
}
my $file_duration = probe_duration("$media/$file");
ok(abs(probe_duration($mp4_url) - $file_duration) < 0.05, "ffprobe reads the MP4 URL ($file_duration s)");
my $hls_url = $stack->url . $u{hls};
my $pl = http()->get($hls_url);
is($pl->{status}, 200, 'the playlist');
is($pl->{headers}{'content-type'}, 'application/vnd.apple.mpegurl', 'as an HLS playlist');
my $index = decode_json(slurp("$media/$file.index.json"));
my $text = $pl->{content} // '';
my @ranges = $text =~ /^#EXT-X-BYTERANGE:(\d+)@(\d+)$/mg;
is(scalar(@ranges) / 2, scalar @{ $index->{fragments} }, 'one byte range per fragment of the index');
like($text, qr/\A#EXTM3U\n#EXT-X-VERSION:7\n/, 'version 7');
like($text, qr/^#EXT-X-MAP:URI="[^"\/]+\.mp4",BYTERANGE="$index->{init}{size}\@0"$/m, 'the init segment as EXT-X-MAP');
like($text, qr/#EXT-X-ENDLIST\n\z/, 'ENDLIST');
my ($target) = $text =~ /^#EXT-X-TARGETDURATION:(\d+)$/m;
ok(!grep({ int($_ + 0.5) > $target } $text =~ /^#EXTINF:([\d.]+),$/mg), "no EXTINF rounds above the target $target");
ok(abs(probe_duration($hls_url) - $file_duration) < 0.1, 'ffprobe reads the HLS URL: the same duration');
sub packets {
    my ($url) = @_;
    my $p = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-i', $url, '-map', '0',
                     '-c', 'copy', '-f', 'framemd5', '-'], timeout => 120);
    # stream, size and hash of each packet (the timestamps' origin may differ)
    return [ map { my @f = split /,\s*/; "$f[0] $f[4] $f[5]" } grep { !/^#/ } split /\n/, $p->{out} ];
}
my $want = packets("$media/$file");
ok(@$want > 600, scalar(@$want) . ' packets in the file');
is_deeply(packets($hls_url), $want, 'ffmpeg -c copy of the HLS URL gives every packet of the file, in order');
is(http()->get($hls_url)->{content}, $text, 'the playlist again (from the cache): the same');

# the thumbnail track names its sprite relative to itself: the same signature serves it
my $vtt = http()->get($stack->url . $u{sprite_vtt});
is($vtt->{status}, 200, 'the thumbnail track');
my ($sprite) = ($vtt->{content} // '') =~ /^([^#\n]+\.jpg)#xywh=/m;
(my $vtt_base = $u{sprite_vtt}) =~ s{[^/]+$}{};
$r = http()->get($stack->url . $vtt_base . media_escape($sprite // ''));
is($r->{status}, 200, "its sprite ($sprite), relative to it");
is($r->{headers}{'content-type'}, 'image/jpeg', 'a JPEG');
is(http()->get($stack->url . $u{poster})->{headers}{'content-type'}, 'image/jpeg', 'the poster frame');

# --- the show's artwork ---------------------------------------------------------------------
ok(wait_for(sub { -s "$media/library/Alice/poster.jpg" }, 30), "the show's poster was fetched");
is($stack->api('GET', '/api/streamers/999999/media', as => $admin)->{status}, 404, 'no such streamer: 404');
$r = $stack->api('GET', "/api/streamers/$alice->{id}/media", as => $admin);
is($r->{status}, 200, 'GET /api/streamers/{id}/media') or diag $r->{content};
my $poster = $r->{json}{urls}{poster} // '';
like($poster, qr{^/media/\d+/0/[A-Za-z0-9_-]{22}/library/Alice/poster\.jpg$}, 'the poster in the show folder');
$r = http()->get($stack->url . $poster);
is($r->{status}, 200, 'served');
is($r->{headers}{'content-type'}, 'image/jpeg', 'as a JPEG');
is($r->{content}, slurp("$dir/cdn/alice.jpg"), 'the picture, byte for byte');
my ($show_exp, $show_sig) = $poster =~ m{^/media/(\d+)/0/([^/]+)/};
is(http()->get($stack->url . "/media/$show_exp/0/$show_sig/library/Alice/fanart.jpg")->{status}, 404,
   'the same signature opens the show folder\'s other artwork (none here: 404)');
is(http()->get($stack->url . "/media/$show_exp/0/$show_sig/$esc")->{status}, 403,
   "but not its recordings");

# --- refusals -------------------------------------------------------------------------------
my $key = media_key("$dir/secret");
sub sign { media_sig($key, @_) }
my ($exp, $sig) = $u{mp4} =~ m{^/media/(\d+)/0/([^/]+)/};
(my $scope = $file) =~ s/\.mp4$//;
is(sign($scope, $exp), $sig, 'the signature is HMAC-SHA256 of expiry, share and "<folder>/<stem>"');
sub status { http()->get($stack->url . $_[0])->{status} }
my $bad = $sig;
substr($bad, 5, 1) = substr($bad, 5, 1) eq 'A' ? 'B' : 'A';
is(status("/media/$exp/0/$bad/$esc"), 403, 'a tampered signature: 403');
is(status('/media/' . ($exp + 1) . "/0/$sig/$esc"), 403, 'a changed expiry: 403');
is(status("/media/$exp/7/$sig/$esc"), 403, 'a changed share: 403');
my $past = time - 10;
$r = http()->get($stack->url . "/media/$past/0/" . sign($scope, $past) . "/$esc");
is($r->{status}, 403, 'expired: 403');
is((eval { decode_json($r->{content}) } // {})->{error}{code}, 'expired', 'saying so');

# another item in the same folder: its own scope
(my $other = "$media/$file") =~ s/\.mp4$/ (2).mp4/;
system('cp', "$media/$file", $other) == 0 or die;
(my $other_esc = $esc) =~ s/\.mp4$/%20%282%29.mp4/;
is(status("/media/$exp/0/$sig/$other_esc"), 403, 'the signature of one item does not open another beside it');
is(status("/media/$exp/0/" . sign("$scope (2)", $exp) . "/$other_esc"), 200, 'its own signature does');
(my $nfo = $esc) =~ s/\.mp4$/.nfo/;
is(status("/media/$exp/0/$sig/$nfo"), 404, 'a kind of file that is not served (the NFO): 404');

# paths out of the root
my $outside = "$dir/outside";
make_path("$outside");
spurt("$outside/x.mp4", 'secret bytes');
make_path("$media/library/Evil");
symlink("$outside/x.mp4", "$media/library/Evil/link.mp4") or die;
symlink($outside, "$media/library/Evil/dir") or die;
is(status("/media/$exp/0/" . sign('library/Evil/link', $exp) . '/library/Evil/link.mp4'), 403,
   'a symlink out of the root, signed: 403');
$r = http()->get($stack->url . "/media/$exp/0/" . sign('library/Evil/dir/x', $exp) . '/library/Evil/dir/x.mp4');
ok(($r->{status} == 403 || $r->{status} == 404) && $r->{content} !~ /secret bytes/,
   "a symlinked folder out of the root, signed: $r->{status}");
for my $p ("library/../../outside/x.mp4", "library/%2e%2e/%2e%2e/outside/x.mp4", "%2Fetc%2Fhostname.mp4",
           "/$outside/x.mp4", "library/Evil/..%2F..%2F..%2Foutside/x.mp4") {
    (my $decoded = $p) =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    (my $scope_try = $decoded) =~ s/\.mp4$//;
    my $s = status("/media/$exp/0/" . sign($scope_try, $exp) . "/$p");
    ok($s == 404 || $s == 400 || $s == 403, "$p: $s");
}
like($stack->log_text('nginx-error.log'), qr/failed \(a symlink or no permission\)/, 'the symlink is logged');

# method, shape
is(http()->request('POST', $mp4_url)->{status}, 405, 'POST: 405');
is(status('/media/'), 404, 'no URL: 404');
is(status("/media/$exp/0/$sig"), 404, 'no path: 404');
is(status("/media/x/0/$sig/$esc"), 404, 'an expiry that is no number: 404');

done_testing;
