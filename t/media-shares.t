# Share links: an admin shares one recording or a streamer's recordings; the
# code (shown once, stored as its SHA-256) opens signed media URLs for
# whoever holds it, without a login (POST /api/shared), scoped to what was
# shared; those URLs carry the share, so a revoked or expired share answers
# 403 on the playlist, and the code itself stops working. Real nginx,
# PostgreSQL, Redis and worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use StreamVault::Test qw(start_stack run_cmd wait_for http);
use StreamVault::Media;

my $stack = start_stack(timeout => 300);
my $dir = $stack->dir;
my $media = "$dir/media";
my $admin = $stack->login('admin', $stack->admin_password);

# three library items: two of alice, one of bob
make_path("$media/import");
my %streamer = map { ($_ => $stack->api('POST', '/api/streamers', as => $admin,
                                        json => { login => $_, twitch_id => length($_) . '42',
                                                  display_name => "\u$_" })->{json}{id}) } qw(alice bob);
my @items = ([ alice => 'First' ], [ alice => 'Second' ], [ bob => 'Other' ]);
my %rec;
for my $i (0 .. $#items) {
    my ($who, $title) = @{ $items[$i] };
    my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                       '-f', 'lavfi', '-i', "testsrc2=size=160x120:rate=25", '-t', 4 + $i,
                       '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', "$media/import/$i.mp4"], timeout => 60);
    die $gen->{err} if $gen->{status};
    my $r = $stack->api('POST', '/api/recordings/import', as => $admin,
                        json => { path => "import/$i.mp4", streamer_id => $streamer{$who}, title => $title,
                                  date => "2026-11-0" . ($i + 1) });
    my $jid = $r->{json}{id} // die "import: $r->{content}";
    ok(wait_for(sub { my $id = $stack->psql("SELECT id FROM recordings WHERE import_job = '$jid'");
                      $rec{$title} = $id if $id;
                      $id && $stack->psql("SELECT state FROM recordings WHERE id = $id") eq 'ready' }, 120),
       "$title is in the library");
}

# --- one recording ---------------------------------------------------------------------------
my $viewer = $stack->api('POST', '/api/users', as => $admin,
                         json => { username => 'viewer1', password => 'viewer password', role => 'viewer' });
my $v = $stack->login('viewer1', 'viewer password');
is($stack->api('POST', '/api/shares', as => $v, json => { recording_id => $rec{First} + 0 })->{status}, 403,
   'a viewer cannot share');
is($stack->api('POST', '/api/shares', as => $admin, json => {})->{status}, 422, 'nothing to share: 422');
is($stack->api('POST', '/api/shares', as => $admin,
               json => { recording_id => $rec{First} + 0, streamer_id => $streamer{alice} })->{status}, 422,
   'both a recording and a streamer: 422');
is($stack->api('POST', '/api/shares', as => $admin, json => { recording_id => 999999 })->{status}, 404,
   'no such recording: 404');
my $r = $stack->api('POST', '/api/shares', as => $admin,
                    json => { recording_id => $rec{First} + 0, name => 'for a friend', expires_in_hours => 48 });
is($r->{status}, 201, 'an admin shares a recording') or diag $r->{content};
my $one = $r->{json} // {};
like($one->{token} // '', qr/^sv_[A-Za-z0-9]{8,16}_[A-Za-z0-9_-]+$/, 'the code, shown once');
is($one->{name}, 'for a friend', 'named');
ok($one->{active}, 'active');
is($stack->psql("SELECT encode(token_hash, 'hex') FROM share_links WHERE id = $one->{id}"),
   sha256_hex($one->{token}), 'stored as its SHA-256 only');
ok(!grep({ exists $_->{token} } @{ $stack->api('GET', '/api/shares', as => $admin)->{json} // [] }),
   'the list never shows a code');

sub shared { http()->request('POST', $stack->url . '/api/shared', {
    headers => { 'Content-Type' => 'application/json' }, content => JSON::PP::encode_json({ @_ }) }) }
$r = shared(token => $one->{token});
is($r->{status}, 200, 'the code opens it, without a login') or diag $r->{content};
my $got = eval { decode_json($r->{content}) } // {};
is($got->{share}, $one->{id}, 'the share');
is_deeply([ map { $_->{id} } @{ $got->{recordings} } ], [ $rec{First} ], 'exactly the shared recording');
my %u = %{ $got->{recordings}[0]{urls} // {} };
like($u{hls} // '', qr{^/media/\d+/$one->{id}/[A-Za-z0-9_-]{22}/library/}, 'its URLs carry the share');
ok($got->{expires_at} <= time + 6 * 3600 + 5, 'and expire as media URLs do (before the share)');
my $pl = http()->get($stack->url . $u{hls});
is($pl->{status}, 200, 'its playlist plays') or diag $pl->{content};
like($pl->{content}, qr/^#EXT-X-ENDLIST$/m, 'a whole VOD playlist');
is(http()->get($stack->url . $u{mp4}, { headers => { Range => 'bytes=0-99' } })->{status}, 206, 'its video');
my $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0',
                 $stack->url . $u{hls}], timeout => 30);
ok($p->{status} == 0 && abs($p->{out} - 4) < 0.2, 'ffprobe reads it through the share');

(my $unshared = $u{hls}) =~ s{/$one->{id}/}{/0/};
is(http()->get($stack->url . $unshared)->{status}, 403, 'the share taken out of the URL: 403');
my $second = $stack->psql("SELECT file_path FROM recordings WHERE id = $rec{Second}");
(my $other = $u{hls}) =~ s{/library/.*$}{'/' . StreamVault::Media::media_escape($second =~ s/\.mp4$/.m3u8/r)}e;
is(http()->get($stack->url . $other)->{status}, 403, 'its signature on another recording: 403');

# --- a streamer ------------------------------------------------------------------------------
$r = $stack->api('POST', '/api/shares', as => $admin, json => { streamer_id => $streamer{alice} });
is($r->{status}, 201, 'an admin shares a streamer');
my $all = $r->{json};
$got = eval { decode_json(shared(token => $all->{token})->{content}) } // {};
is_deeply([ sort map { $_->{id} } @{ $got->{recordings} } ], [ sort $rec{First}, $rec{Second} ],
          "the streamer's recordings, not bob's");
ok(!grep({ !$_->{urls}{hls} } @{ $got->{recordings} }), 'each with its URLs');

# --- refusals -----------------------------------------------------------------------------
is(shared(token => 'sv_nope_nope')->{status}, 404, 'an unknown code: 404');
is(shared()->{status}, 422, 'no code: 422');
is(shared(token => 7)->{status}, 422, 'a code that is no string: 422');
is(shared(token => 'x' x 2000)->{status}, 413, 'a body over 1 KiB: 413');

# --- revoked, expired ---------------------------------------------------------------------
$r = $stack->api('DELETE', "/api/shares/$one->{id}", as => $admin);
is($r->{status}, 200, 'revoked');
ok($r->{json}{revoked_at} && !$r->{json}{active}, 'no longer active');
is(shared(token => $one->{token})->{status}, 404, 'the code no longer opens anything');
$r = http()->get($stack->url . $u{hls});
is($r->{status}, 403, 'its playlist: 403');
is((eval { decode_json($r->{content}) } // {})->{error}{code}, 'revoked', 'revoked, it says');
is(http()->get($stack->url . $u{mp4}, { headers => { Range => 'bytes=0-99' } })->{status}, 206,
   'byte ranges of a loaded playlist go on until the URLs expire (no I/O on segments)');

$stack->psql("UPDATE share_links SET expires_at = now() - interval '1 second' WHERE id = $all->{id}");
is(shared(token => $all->{token})->{status}, 404, 'an expired share: its code opens nothing');
is(http()->get($stack->url . $got->{recordings}[0]{urls}{hls})->{status}, 403, 'and its playlists: 403');
is(scalar(grep { $_->{active} } @{ $stack->api('GET', '/api/shares', as => $admin)->{json} // [] }), 0,
   'the list shows both inactive');

done_testing;
