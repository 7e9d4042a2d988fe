# Watching a recording while it records: GET /api/recordings/{id}/media of
# a running recording gives its live playlist, an EVENT playlist nginx makes
# from the segment log the worker appends to; it grows as segments arrive,
# ffmpeg follows it from the first segment to EXT-X-ENDLIST (written when
# the recording ends) and gets the whole broadcast; once the recording is
# in the library the same route gives the MP4 and HLS URLs instead. The
# fake Twitch channel, the real worker, nginx, PostgreSQL and Redis.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes qw(sleep);
use StreamVault::Test qw(wait_for run_cmd http);
use StreamVault::FakeTwitch;

alarm 240;
my $tw = StreamVault::FakeTwitch->new(segment_duration => 1, backlog => 2,
                                      channels => { carol => { live => 0 } });
my $stack = StreamVault::Test::stack_object(env => {
    STREAMVAULT_TWITCH_GQL_URL          => $tw->gql_url,
    STREAMVAULT_TWITCH_USHER_URL        => $tw->url,
    STREAMVAULT_RECORDING_GRACE_SECONDS => 3,
});
$stack->start;
my $dir = $stack->dir;
my $admin = $stack->login('admin', $stack->admin_password);
my $streamer = $stack->psql("INSERT INTO streamers (platform, twitch_id, login, display_name)"
                            . " VALUES ('twitch', '1', 'carol', 'Carol') RETURNING id");
$tw->start_channel('carol', script => [ [ content => 16 ], [ offline => undef ] ]);
my $r = $stack->api('POST', '/api/recordings', as => $admin, json => { streamer_id => $streamer + 0 });
is($r->{status}, 202, 'a recording starts') or diag $r->{content};
my $rec = $r->{json}{recording_id};
ok(wait_for(sub { $stack->psql("SELECT state FROM recordings WHERE id = $rec") eq 'recording' }, 20),
   'the worker records it');
ok(wait_for(sub { -s "$dir/media/raw/$rec/.segments" }, 20), 'its segment log has a segment');

$r = $stack->api('GET', "/api/recordings/$rec/media", as => $admin);
is($r->{status}, 200, 'media URLs while it records') or diag $r->{content};
my %u = %{ $r->{json}{urls} // {} };
is(join(' ', sort keys %u), 'live', 'the live playlist only');
like($u{live} // '', qr{^/media/\d+/0/[A-Za-z0-9_-]{22}/raw/$rec/live\.m3u8$}, 'in the raw folder');
my $live = $stack->url . $u{live};

sub entries { my $t = http()->get($live)->{content} // ''; my @s = $t =~ /^(\d{12}\.ts)$/mg; return @s }
my $pl = http()->get($live);
is($pl->{status}, 200, 'the live playlist');
is($pl->{headers}{'content-type'}, 'application/vnd.apple.mpegurl', 'as HLS');
like($pl->{headers}{'cache-control'} // '', qr/max-age=0$/, 'not to be kept');
like($pl->{content}, qr/^#EXT-X-PLAYLIST-TYPE:EVENT$/m, 'an EVENT playlist');
unlike($pl->{content}, qr/ENDLIST/, 'not ended');
my @first = entries();
ok(@first >= 1, scalar(@first) . ' segments listed');
ok(wait_for(sub { entries() > @first + 1 }, 15), 'it grows while the recording runs');
is(http()->get($stack->url . ($u{live} =~ s/live\.m3u8$/$first[0]/r))->{headers}{'content-type'}, 'video/mp2t',
   'a segment, with the same signature');

# A real recording's post-processing takes a while (a remux of hours of
# video); this one's would take less than a playlist reload, so a job keeps
# the worker busy meanwhile, as a long remux would: the segments and the
# ended playlist stay for the players to see.
ok(wait_for(sub { $stack->psql("SELECT coalesce(duration_ms, 0) FROM recordings WHERE id = $rec") >= 12000 }, 30),
   '12 s recorded');
$stack->redis('LPUSH', 'streamvault:inbox', '{"v":1,"type":"noop","payload":{"sleep_ms":20000}}');

# ffmpeg follows it from the first segment to the end
my $out = "$dir/followed.ts";
my $ff = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-live_start_index', '0',
                  '-i', $live, '-map', '0', '-c', 'copy', '-f', 'mpegts', $out], timeout => 90);
is($ff->{status}, 0, 'ffmpeg followed the live playlist until it ended') or diag $ff->{err};
# a live playlist is followed until it says ENDLIST: ffmpeg stopped for
# that, not for a playlist or segment gone
my @misses = grep { m{ /media/\S+/raw/$rec/\S+ HTTP/[\d.]+" (?!200|206)\d{3} } } split /\n/,
             $stack->log_text('nginx-access.log');
is_deeply(\@misses, [], 'no request of ffmpeg failed: it stopped at ENDLIST');
like(http()->get($live)->{content} // '', qr/\n#EXTINF:[\d.]+,\n\d{12}\.ts\n#EXT-X-ENDLIST\n\z/,
     'the playlist ends with ENDLIST after the last segment');
ok(wait_for(sub { $stack->psql("SELECT state FROM recordings WHERE id = $rec") eq 'ready' }, 90),
   'the recording went into the library');
my $media_ms = $stack->psql("SELECT duration_ms FROM recordings WHERE id = $rec");
my $p = run_cmd(['ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', $out], timeout => 30);
chomp(my $got_s = $p->{out});
ok(abs($got_s * 1000 - $media_ms) < 1500,
   "what ffmpeg got (it stops at ENDLIST) lasts as long as the recording ($got_s s, $media_ms ms)");

$r = $stack->api('GET', "/api/recordings/$rec/media", as => $admin);
ok($r->{json}{urls}{mp4} && $r->{json}{urls}{hls} && !$r->{json}{urls}{live},
   'in the library: the MP4 and HLS instead');
is(http()->get($live)->{status}, 404, 'the live playlist is gone with the raw folder');

done_testing;
