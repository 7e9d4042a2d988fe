# The chat archive through `streamvault-worker --record-chat` (the sanitizer
# build) against a fake Twitch chat server over TLS (StreamVault::FakeTwitchIRC):
# two channels at once, each line of each file one JSON object; messages land
# with their tmi-sent-ts as offset from the start (the receive time without
# it); tags unescaped and unicode intact; PING answered; RECONNECT and a line
# too long make the client reconnect and rejoin into the same file; a NUL line
# is skipped and invalid UTF-8 replaced; a CA that did not sign the server's
# certificate fails; by host name (resolved off the loop) the client PINGs
# when the server is silent and reconnects when no PONG comes; SIGTERM stops.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use JSON::PP ();
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(test_dir slurp worker_bin wait_for);
use StreamVault::FakeTwitchIRC;

alarm 120;
binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);
my $dir = test_dir();
make_path("$dir/log");
my $irc = StreamVault::FakeTwitchIRC->new;
my $json = JSON::PP->new->utf8;

# Starts --record-chat in the background; returns { pid, name, out }.
sub spawn_chat {
    my ($name, $logins, %o) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        %ENV = (%ENV, StreamVault::Test::sanitizer_env("$dir/log"),
                STREAMVAULT_TWITCH_IRC_ADDR => $irc->addr,
                STREAMVAULT_TWITCH_IRC_CA => $irc->ca_file, %{ $o{env} // {} });
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/$name.stdout";
        open STDERR, '>', "$dir/$name.stderr";
        exec worker_bin(), '--record-chat', $logins, '--out', "$dir/$name",
             ($o{duration} ? ('--duration', $o{duration}) : ()) or die "exec: $!";
    }
    StreamVault::Test::track_child($pid);
    return { pid => $pid, name => $name, out => "$dir/$name" };
}

# Waits for the run to end; its exit status, stdout summaries and stderr.
sub reap {
    my ($run, $seconds) = @_;
    my $status = wait_for(sub { waitpid($run->{pid}, WNOHANG) == $run->{pid} ? [$?] : undef }, $seconds)
        or die "$run->{name} did not end\n";
    my $st = $status->[0];
    return { status => ($st & 127) ? 128 + ($st & 127) : $st >> 8,
             err => slurp("$dir/$run->{name}.stderr") // '',
             summary => { map { my $s = $json->decode($_); ($s->{channel} => $s) }
                          grep { /^\{/ } split /\n/, slurp("$dir/$run->{name}.stdout") // '' } };
}

# The file's lines decoded; dies on one that is not a JSON object.
sub archive {
    my ($path) = @_;
    my $text = slurp($path) // return ();
    die "$path does not end in a newline\n" if length $text && $text !~ /\n\z/;
    return map { $json->decode($_) } split /\n/, $text;
}

sub now_ms { int(time * 1000) }

# --- two channels, reconnects, hostile lines -----------------------------------

my $t0 = now_ms();
my $run = spawn_chat('main', 'cool_user,Other_Chan', duration => 10);
ok($irc->wait_joined('cool_user') && $irc->wait_joined('other_chan'), 'both channels joined');
my $t_joined = now_ms();
is($irc->state->{connections}, 2, 'one TLS connection per channel');

my @sent;
my %tags = ('reply-parent-msg-body' => 'hi; there \\ you');
push @sent, { text => 'first', %{ $irc->privmsg('cool_user', user => 'somename', display_name => 'Some Name',
                                                 text => 'first', tags => \%tags) } };
sleep 0.4;
push @sent, { text => "h\x{e9}llo \x{1F600} \x{2665} \x{4e2d}\x{6587}",
              %{ $irc->privmsg('cool_user', user => 'viewer2', text => "h\x{e9}llo \x{1F600} \x{2665} \x{4e2d}\x{6587}") } };
sleep 0.4;
my $no_ts = $irc->privmsg('cool_user', user => 'viewer3', text => 'no timestamp', tags => { 'tmi-sent-ts' => undef });
my $other = $irc->privmsg('other_chan', user => 'elsewhere', text => 'in the other channel');
is($sent[0]{clients}, 1, 'a message reaches one client');

$irc->ping;
ok(wait_for(sub { $irc->state->{pongs} >= 1 }, 5), 'the PING was answered with PONG');

$irc->reconnect('cool_user');
ok($irc->wait_joined('cool_user', 2), 'RECONNECT: the client reconnected and joined again');
push @sent, { text => 'after reconnect', %{ $irc->privmsg('cool_user', user => 'somename', text => 'after reconnect') } };

$irc->raw('cool_user', "\@id=1 :nul!nul\@nul PRIVMSG #cool_user :nul\0here\r\n");
$irc->raw('cool_user', ":bad!bad\@bad PRIVMSG #cool_user :caf\xe9 \xff!\r\n");
$irc->raw('cool_user', ':long!long@long PRIVMSG #cool_user :' . ('a' x 20000) . "\r\n");
ok($irc->wait_joined('cool_user', 3), 'a line too long: the client reconnected and joined again');
push @sent, { text => 'after the long line', %{ $irc->privmsg('cool_user', user => 'somename', text => 'after the long line') } };
is($sent[-1]{clients}, 1, 'the new connection gets it');

my $r = reap($run, 20);
is($r->{status}, 0, 'exit 0 after --duration') or diag $r->{err};
my $cs = $r->{summary}{cool_user} // {};
is_deeply([ @$cs{qw(connections joins refused write_errors)} ], [ 3, 3, 1, 0 ],
          'summary: 3 connections, 3 joins, the NUL line refused, no write error') or diag explain $cs;
like($r->{err}, qr/"msg":"chat server asks to reconnect"/, 'RECONNECT is logged');
like($r->{err}, qr/"error":"a line longer than 16384 bytes"/, 'the long line is logged');

my @lines = eval { archive("$dir/main/cool_user.jsonl") };
ok(@lines && !$@, 'every line of the file is a JSON object') or diag $@;
my @msgs = grep { $_->{command} eq 'PRIVMSG' } @lines;
is_deeply([ map { $_->{text} } @msgs ],
          [ 'first', $sent[1]{text}, 'no timestamp', 'after reconnect', "caf\x{FFFD} \x{FFFD}!", 'after the long line' ],
          'the messages in order, unicode intact, invalid UTF-8 replaced, the NUL line skipped');
is(scalar(grep { $_->{command} eq 'ROOMSTATE' } @lines), 3, 'a ROOMSTATE per join');
ok(!grep({ $_->{channel} ne 'cool_user' } @lines), "no other channel's line");

my %by_text = map { ($_->{text} => $_) } @msgs;
my $first = $by_text{first};
is($first->{display_name}, 'Some Name', 'display name unescaped (\s)');
is($first->{tags}{'reply-parent-msg-body'}, 'hi; there \\ you', 'tag values unescaped (\:, \s, \\\\)');
is($first->{user}, 'somename', 'the user');

# offset_ms = message time - start; the start is one instant between the
# spawn and the first join.
my %start;
for my $l (@lines) {
    my ($y, $mo, $d, $h, $mi, $s, $ms) = $l->{at} =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d{3})Z$/
        or next;
    $l->{at_ms} = (POSIX::mktime($s, $mi, $h, $d, $mo - 1, $y - 1900) - POSIX::mktime(gmtime 0)) * 1000 + $ms;
    $start{ $l->{at_ms} - $l->{offset_ms} }++;
}
my ($start) = keys %start;
is(scalar keys %start, 1, 'at - offset_ms is the same instant for every line');
ok($start >= $t0 - 5 && $start <= $t_joined + 5, 'that instant is the start of the run');
for my $s (@sent) {
    my $l = $by_text{ $s->{text} } or next;
    is($l->{at_ms}, $s->{sent_ms}, "'$s->{text}': at is its tmi-sent-ts");
    is($l->{offset_ms}, $s->{sent_ms} - $start, "'$s->{text}': offset_ms from the start");
}
my $nl = $by_text{'no timestamp'} // {};
ok(($nl->{at_ms} // 0) >= $no_ts->{sent_ms} && ($nl->{at_ms} // 0) <= $no_ts->{sent_ms} + 2000,
   'without tmi-sent-ts: the receive time');
is($by_text{ $sent[1]{text} }{offset_ms} - $first->{offset_ms}, $sent[1]{sent_ms} - $sent[0]{sent_ms},
   'offsets differ by the time between the messages');

my @o = eval { archive("$dir/main/other_chan.jsonl") };
is_deeply([ map { "$_->{command} $_->{text}" } grep { $_->{command} eq 'PRIVMSG' } @o ],
          [ 'PRIVMSG in the other channel' ], 'the other channel: its own file, its message');
is(($o[-1] // {})->{offset_ms}, $other->{sent_ms} - $start, 'with its offset from the same start');
is(($r->{summary}{other_chan} // {})->{connections}, 1, 'the other channel was not disturbed');

# --- a CA that did not sign the server's certificate ------------------------------

my $failures = $irc->state->{handshake_failures};
$run = spawn_chat('wrongca', 'cool_user', duration => 2, env => { STREAMVAULT_TWITCH_IRC_CA => $irc->other_ca_file });
$r = reap($run, 15);
is($r->{status}, 1, 'wrong CA: exit 1 (never joined)');
like($r->{err}, qr/certificate not trusted: (unable to get local issuer certificate|self-signed)/,
     'the verification error is logged');
ok($irc->state->{handshake_failures} > $failures, 'the handshake was refused');
is(-s "$dir/wrongca/cool_user.jsonl", 0, 'nothing written');

# --- by host name, keepalive, SIGTERM ------------------------------------------

$run = spawn_chat('keepalive', 'keepy', env => { STREAMVAULT_TWITCH_IRC_ADDR => 'localhost:' . $irc->port,
                                                 STREAMVAULT_TWITCH_IRC_KEEPALIVE => 1 });
ok($irc->wait_joined('keepy'), 'localhost: resolved and joined (certificate for the name)');
my $pings = $irc->state->{client_pings};
ok(wait_for(sub { $irc->state->{client_pings} >= $pings + 2 }, 8), 'a silent server is sent PINGs');
is($irc->state->{joins}{keepy}, 1, 'answered PINGs keep the connection');
$irc->answer_pings(0);
ok($irc->wait_joined('keepy', 2, 8), 'no PONG: the client reconnects');
$irc->answer_pings(1);
$irc->privmsg('keepy', user => 'late', text => 'still recorded');
ok(wait_for(sub { (slurp("$dir/keepalive/keepy.jsonl") // '') =~ /still recorded/ }, 5), 'and records on');
kill 'TERM', $run->{pid};
$r = reap($run, 10);
is($r->{status}, 0, 'SIGTERM: exit 0') or diag $r->{err};
like($r->{err}, qr/"msg":"chat connection lost, retrying".*"error":"no answer to PING"/, 'the lost PONG is logged');
is(($r->{summary}{keepy} // {})->{lines} // 0, scalar(archive("$dir/keepalive/keepy.jsonl")), 'summary counts the lines');

my @reports = glob("$dir/log/asan.* $dir/log/ubsan.*");
is_deeply(\@reports, [], 'no sanitizer report') or diag map { slurp($_) } @reports;

done_testing;
