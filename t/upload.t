# POST /api/recordings/upload: a media file as the raw request body, sent by
# curl, read by nginx into a temporary file inside the import folder, renamed
# into import/uploads/ and queued as an import job; the worker makes it a
# ready library item through the same DAG as every recording. Refusals
# (viewer, CSRF, filename, content type, size, declared and chunked, an
# unknown streamer, a client that goes away mid-body) leave no file behind.
# The whole stack on loopback: nginx with the module, PostgreSQL, Redis, the
# worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Find qw(find);
use IO::Socket::INET;
use JSON::PP qw(decode_json);
use Time::HiRes qw(sleep);
use File::Path qw(remove_tree);
use StreamVault::Test qw(start_stack run_cmd wait_for spurt free_port);

my $max = 8 * 1024 * 1024;
# A second server whose temporary files are on another file system (tmpfs):
# the rename cannot work there, and the answer says why.
my $xport = free_port();
my $xdev = "/dev/shm/streamvault-upload-t-$$";
END { remove_tree($xdev) if $xdev && -d $xdev }
my $stack = start_stack(timeout => 300, nginx_http => <<"CONF");
streamvault_upload_max_size 8m;
server {
    listen 127.0.0.1:$xport;
    location /api/ {
        streamvault_api;
        client_max_body_size   0;
        client_body_temp_path  $xdev;
    }
}
CONF
my $dir = $stack->dir;
my $media = "$dir/media";

# A 10 s MP4 with H.264 and AAC, as t/library.t makes its sources.
my $mp4 = "$dir/clip.mp4";
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
                   '-f', 'lavfi', '-i', 'sine=frequency=440',
                   '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
                   '-c:a', 'aac', '-movflags', '+faststart', $mp4], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made a 10 s MP4') or diag $gen->{err};
ok(-s $mp4 && -s $mp4 < $max, 'smaller than the limit: ' . (-s $mp4) . ' bytes');

my $admin = $stack->login('admin', $stack->admin_password);
ok($admin->{session} && $admin->{csrf}, 'the admin logged in');
my $alice = $stack->api('POST', '/api/streamers', as => $admin,
                        json => { login => 'alice', twitch_id => '4242', display_name => 'Alice' })->{json};
ok($alice->{id}, 'a streamer');
my $viewer_user = $stack->api('POST', '/api/users', as => $admin,
                              json => { username => 'viewer1', password => 'viewer password', role => 'viewer' });
is($viewer_user->{status}, 201, 'a viewer');
my $viewer = $stack->login('viewer1', 'viewer password');
my $token = $stack->api('POST', '/api/tokens', as => $admin,
                        json => { name => 'uploads', scopes => ['read', 'write'] })->{json};
my $secret = $token->{token};
ok($secret, 'an admin API token');

# curl: the real client. Returns { status, json, content }.
my $n = 0;
sub upload {
    my (%o) = @_;
    my $out = "$dir/curl-" . ++$n;
    my @h = map { ('-H', $_) } @{ $o{headers} // [] };
    push @h, '-H', 'Content-Type: ' . ($o{type} // 'video/mp4') unless exists $o{type} && !defined $o{type};
    if (my $s = $o{as}) {
        push @h, '-H', "Cookie: sv_session=$s->{session}; sv_csrf=$s->{csrf}";
        push @h, '-H', "X-CSRF-Token: $s->{csrf}" unless $o{no_csrf};
    }
    push @h, '-H', "Authorization: Bearer $o{token}" if $o{token};
    my $query = $o{query} // 'filename=clip.mp4';
    my $url = $o{url} // $stack->url;
    my $r = run_cmd(['curl', '-sS', '-o', $out, '-w', '%{http_code}', '--max-time', '60',
                     '-X', 'POST', '--data-binary', '@' . ($o{file} // $mp4), @h,
                     "$url/api/recordings/upload?$query"], timeout => 90);
    my $content = do { local $/; open my $fh, '<', $out; <$fh> } // '';
    return accepted({ status => $r->{out} + 0, content => $content,
                      json => scalar(eval { decode_json($content) }), err => $r->{err} });
}

# Every file below import/ (the uploads and nginx's temporary files) but
# those of accepted uploads, which the worker imports in its own time.
my %accepted;
sub accepted {
    my ($res) = @_;
    my $path = $res->{json} && $res->{json}{payload}{path};
    $accepted{$path} = 1 if $res->{status} == 202 && $path;
    return $res;
}
sub leftovers {
    my @f;
    find({ no_chdir => 1, wanted => sub { push @f, $File::Find::name =~ s{^\Q$media\E/}{}r if -f } },
         "$media/import") if -d "$media/import";
    return join(' ', sort grep { !$accepted{$_} } @f);
}
sub nothing_left {
    my ($what) = @_;
    ok(wait_for(sub { leftovers() eq '' }, 5), "$what: no file is left in the import folder")
        or diag 'left: ' . leftovers();
}
sub refused {
    my ($res, $status, $what) = @_;
    is($res->{status}, $status, "$what: $status") or diag $res->{content}, $res->{err};
    ok($res->{json} && $res->{json}{error}{code}, "$what: a JSON error") or diag $res->{content};
    nothing_left($what);
}

ok(-d "$media/import" && -d "$media/import/.uploads",
   'nginx made the import folder and its temporary folder');

# 1. The admin uploads a video; it becomes a library item.
my $up = upload(as => $admin, query => "filename=My%20old%20stream.mp4&streamer_id=$alice->{id}&date=2025-03-04");
is($up->{status}, 202, 'an upload is accepted: 202') or diag $up->{content}, $up->{err};
my $job = $up->{json} // {};
is($job->{type}, 'import', 'the answer is the import job');
like($job->{payload}{path} // '', qr{^import/uploads/[0-9a-f]{16}-My old stream\.mp4$},
     'its path: import/uploads/<random hex>-<name>');
is($job->{payload}{streamer}, 'alice', 'with the streamer');
is($job->{payload}{title}, 'My old stream', 'titled after the file');
is($job->{payload}{date}, '2025-03-04', 'and the date');
my $file = "$media/" . ($job->{payload}{path} // 'none');
ok(-f $file && -s $file == -s $mp4, 'the file is in the import folder, whole');
is(join(' ', grep { -f } glob("$media/import/.uploads/*")), '', 'no temporary file remains');

my $jid = $job->{id} // '';
ok(wait_for(sub { $stack->psql("SELECT state FROM jobs WHERE id = '$jid'") eq 'succeeded' }, 90),
   'the worker ran the import job')
    or diag $stack->psql("SELECT state || ' ' || coalesce(last_error, '') FROM jobs WHERE id = '$jid'");
my $rec = $stack->psql("SELECT id FROM recordings WHERE import_job = '$jid'");
ok($rec, 'it made a recording');
ok(wait_for(sub { $rec && $stack->psql("SELECT state FROM recordings WHERE id = $rec") =~ /^(ready|failed)$/ }, 120)
   && $stack->psql("SELECT state FROM recordings WHERE id = $rec") eq 'ready',
   'which post-processing made ready')
    or diag $rec && $stack->psql("SELECT coalesce(error, '') || ' ' || (SELECT string_agg(type || ':' || state, ' ')"
                                 . " FROM jobs WHERE recording_id = $rec) FROM recordings WHERE id = $rec");
my $video = $rec ? $stack->psql("SELECT file_path FROM recordings WHERE id = $rec") : '';
like($video, qr{^library/Alice/}, "its video is in the library: $video");
ok(-s "$media/$video", 'and exists');
my $probe = run_cmd(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_format', "$media/$video"],
                    timeout => 30);
my $info = eval { decode_json($probe->{out}) } // {};
ok(abs(($info->{format}{duration} // 0) - 10) < 0.2, "ffprobe: ~10 s ($info->{format}{duration})");
ok(!-e $file, 'the upload is gone once its video was validated');
nothing_left('after the import');

# 2. A bearer token works the same; an unknown streamer is SQL's 422 and
# the renamed file is deleted again.
$up = upload(token => $secret, query => 'filename=x.mkv&streamer_id=999999');
refused($up, 422, 'an unknown streamer');
like($up->{content}, qr/streamer/, 'the error names the streamer') or diag $up->{content};
refused(upload(token => $secret, query => 'filename=x.mkv&streamer_id=abc'), 422, 'a streamer_id that is no number');
refused(upload(token => $secret, query => 'filename=x.mkv&date=yesterday'), 422, 'a bad date');

# 3. Who may upload.
refused(upload(as => $viewer), 403, 'a viewer');
refused(upload(as => $admin, no_csrf => 1), 403, 'a session without the CSRF header');
refused(upload(), 401, 'nobody');
refused(upload(token => 'not-a-token-at-all-0123456789'), 401, 'a bad token');

# 4. The file's name.
refused(upload(as => $admin, query => 'title=x'), 422, 'no filename');
refused(upload(as => $admin, query => 'filename='), 422, 'an empty filename');
refused(upload(as => $admin, query => 'filename=clip.txt'), 422, 'a .txt');
refused(upload(as => $admin, query => 'filename=clip'), 422, 'no extension');
refused(upload(as => $admin, query => 'filename=.mp4'), 422, 'only an extension');
refused(upload(as => $admin, query => 'filename=../x.mp4'), 422, '../x.mp4');
refused(upload(as => $admin, query => 'filename=a%2Fb.mp4'), 422, 'a/b.mp4');
refused(upload(as => $admin, query => 'filename=..%5Cx.mp4'), 422, '..\\x.mp4');
refused(upload(as => $admin, query => 'filename=.hidden.mp4'), 422, 'a leading dot');
refused(upload(as => $admin, query => 'filename=a%00b.mp4'), 400, 'a NUL');
refused(upload(as => $admin, query => 'filename=a%0Ab.mp4'), 422, 'a newline');
refused(upload(as => $admin, query => 'filename=a%01b.mp4'), 422, 'a control byte');
refused(upload(as => $admin, query => 'filename=' . ('a' x 117) . '.mp4'), 422, 'a name over 120 bytes');
refused(upload(as => $admin, query => 'filename=a.mp4&keep=true'), 422, 'an unknown query parameter');

# a hostile but acceptable name is made safe, and 120 bytes are fine
$up = upload(as => $admin, query => 'filename=' . ('b' x 116) . '.mp4&title=Long');
is($up->{status}, 202, 'a 120-byte name is accepted') or diag $up->{content};
$up = upload(as => $admin, query => 'filename=%C3%BC%20%3Cx%3E%3B%24(rm).MP4');
is($up->{status}, 202, 'a name with UTF-8 and shell characters is accepted') or diag $up->{content};
like($up->{json} && $up->{json}{payload}{path}, qr{^import/uploads/[0-9a-f]{16}-_ _x__\$?_?rm_\.MP4$|^import/uploads/[0-9a-f]{16}-_ _x____rm_\.MP4$},
     'made safe: ' . ($up->{json} && $up->{json}{payload}{path}));

# 5. Content type and size.
refused(upload(as => $admin, type => 'application/json'), 415, 'application/json');
refused(upload(as => $admin, type => 'text/plain'), 415, 'text/plain');
refused(upload(as => $admin, type => undef, headers => ['Content-Type:']), 415, 'no content type');
$up = upload(as => $admin, type => 'application/octet-stream; charset=binary', query => 'filename=o.ts');
is($up->{status}, 202, 'application/octet-stream with a parameter is accepted') or diag $up->{content};

my $big = "$dir/big.bin";
{
    open my $fh, '>', $big or die;
    binmode $fh;
    print {$fh} "\0" x ($max + 4096);
    close $fh;
}
refused(upload(as => $admin, file => $big, query => 'filename=big.mp4'), 413, 'a declared body over the limit');
my $chunked = upload(as => $admin, file => $big, query => 'filename=big.mp4',
                     headers => ['Transfer-Encoding: chunked']);
is($chunked->{status}, 413, 'a chunked body over the limit: 413') or diag $chunked->{content}, $chunked->{err};
nothing_left('a chunked body over the limit');
my $small = "$dir/small.bin";
spurt($small, 'x' x 1000);
$up = upload(as => $admin, file => $small, query => 'filename=small.mp4', headers => ['Transfer-Encoding: chunked']);
is($up->{status}, 202, 'a chunked body under the limit is accepted') or diag $up->{content};

# 6. A client that goes away in the middle of its body.
for my $cut (1000, 3_000_000) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $stack->port, Proto => 'tcp')
        or die "connect: $!";
    print {$s} "POST /api/recordings/upload?filename=cut.mp4 HTTP/1.1\r\nHost: localhost\r\n"
             . "Authorization: Bearer $secret\r\nContent-Type: video/mp4\r\n"
             . "Content-Length: 6000000\r\n\r\n";
    # the authorization round trip comes first; then the body is read
    sleep 0.3;
    my $sent = 0;
    while ($sent < $cut) {
        my $chunk = 'z' x ($cut - $sent < 65536 ? $cut - $sent : 65536);
        print {$s} $chunk or last;
        $sent += length $chunk;
    }
    sleep 0.3;
    if ($cut > 1000) {
        like(leftovers(), qr{^import/\.uploads/\d+$}, "mid-upload ($cut bytes): nginx's temporary file");
    } else {
        like(leftovers(), qr{^(import/\.uploads/\d+)?$}, "mid-upload ($cut bytes): at most a temporary file");
    }
    close $s;
    nothing_left("a client that went away after $cut of 6000000 bytes");
}

# 7. client_body_temp_path on another file system: 500 and a message that
# says what to fix; neither file stays.
my $x = upload(as => $admin, url => "http://127.0.0.1:$xport", query => 'filename=x.mp4');
is($x->{status}, 500, 'temporary files on another file system: 500') or diag $x->{content};
is($x->{json} && $x->{json}{error}{code}, 'cross_device', 'cross_device');
like($x->{json} && $x->{json}{error}{message}, qr/client_body_temp_path must be on the same file system/,
     'the message names client_body_temp_path');
like($stack->log_text('nginx-error.log'), qr/\[error\].*"client_body_temp_path" must be on the file system/,
     'and so does the error log');
nothing_left('a cross-device upload');
ok(wait_for(sub { !glob("$xdev/*") }, 5), 'no temporary file stays on the other file system');

# The uploads accepted above are imported too; then nothing is left. (The
# 1000-byte and the zero-filled ones are no media: their jobs fail, and
# their files stay for a retry, as for any failed import.)
ok(wait_for(sub { $stack->psql("SELECT count(*) FROM jobs WHERE type = 'import' AND state NOT IN ('succeeded', 'failed', 'dead')") == 0 }, 60),
   'the other import jobs ran');

like($stack->log_text('nginx-error.log'), qr/./, 'nginx logged') ;
unlike($stack->log_text('nginx-error.log'), qr/\[(alert|crit|emerg)\]/, 'no alert or critical error in nginx\'s log')
    or diag join "\n", grep { /\[(alert|crit|emerg)\]/ } split /\n/, $stack->log_text('nginx-error.log');

done_testing;
