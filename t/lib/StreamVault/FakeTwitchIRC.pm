package StreamVault::FakeTwitchIRC;

# A fake Twitch chat server on loopback for the chat archive tests: IRC over
# TLS in Twitch's dialect (CAP ACK, the 001-004/375/372/376 welcome, JOIN
# echoed with 353/366 and ROOMSTATE, PING/PONG both ways, RECONNECT), with a
# throwaway CA and a certificate for 127.0.0.1 and localhost made by the
# openssl command in the test's folder. Chat lines are built from
# ../shared/fixtures/twitch/irc-privmsg.txt (t/fixtures/twitch/). The server
# is a forked child of the test (tracked by StreamVault::Test, so it dies with
# the file), one process with a select loop; the test drives it through a
# control port (one JSON line in, one JSON line out), wrapped below.
#
#   my $irc = StreamVault::FakeTwitchIRC->new;
#   $ENV{STREAMVAULT_TWITCH_IRC_ADDR} = $irc->addr;     # 127.0.0.1:<port>
#   $ENV{STREAMVAULT_TWITCH_IRC_CA} = $irc->ca_file;
#   $irc->wait_joined('cool_user');
#   my $sent = $irc->privmsg('cool_user', user => 'somename', text => 'hi');
#   $irc->ping; $irc->reconnect('cool_user'); $irc->raw('cool_user', $bytes);
#   $irc->state    # { connections, handshake_failures, joins => {chan => n},
#                  #   pongs, client_pings, clients => [{ nick, channels }] }

use strict;
use warnings;

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use IO::Select;
use IO::Socket::INET;
use IO::Socket::SSL;
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(run_cmd test_dir top_dir slurp);

my $json = JSON::PP->new->utf8->canonical;

# --- the parent's side ----------------------------------------------------------

sub new {
    my ($class, %o) = @_;
    my $self = bless { dir => $o{dir} // test_dir('fake-twitch-irc'), parent => $$ }, $class;
    $self->make_certificates;
    my $tls = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
                                    Listen => 64, ReuseAddr => 1) or die "fake irc: cannot listen: $!";
    my $control = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
                                        Listen => 8, ReuseAddr => 1) or die "fake irc: cannot listen: $!";
    $self->{port} = $tls->sockport;
    $self->{control_port} = $control->sockport;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $ok = eval { StreamVault::FakeTwitchIRC::Server->run($self, $tls, $control); 1 };
        print STDERR "fake twitch irc: $@" unless $ok;
        POSIX::_exit($ok ? 0 : 1);
    }
    close $tls;
    close $control;
    $self->{pid} = $pid;
    StreamVault::Test::track_child($pid);
    StreamVault::Test::wait_for(sub { eval { $self->state } }, 10) or die "fake twitch irc did not answer\n";
    return $self;
}

sub port     { $_[0]{port} }
sub addr     { "127.0.0.1:$_[0]{port}" }
sub dir      { $_[0]{dir} }
sub ca_file  { "$_[0]{dir}/ca.pem" }
# A CA that signed nothing the server shows: verification must fail with it.
sub other_ca_file { "$_[0]{dir}/other-ca.pem" }

# The CA, the server's key and certificate (127.0.0.1, ::1, localhost) and
# another CA, by the openssl command.
sub make_certificates {
    my ($self) = @_;
    my $d = $self->{dir};
    StreamVault::Test::spurt("$d/san.cnf", "subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost\n");
    for my $cmd (
        [ qw(req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=StreamVault-test-CA),
          '-keyout', "$d/ca.key", '-out', "$d/ca.pem" ],
        [ qw(req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=StreamVault-other-CA),
          '-keyout', "$d/other-ca.key", '-out', "$d/other-ca.pem" ],
        [ qw(req -newkey rsa:2048 -nodes -subj /CN=irc.chat.twitch.tv),
          '-keyout', "$d/server.key", '-out', "$d/server.csr" ],
        [ qw(x509 -req -days 2 -set_serial 2), '-in', "$d/server.csr", '-CA', "$d/ca.pem",
          '-CAkey', "$d/ca.key", '-extfile', "$d/san.cnf", '-out', "$d/server.pem" ],
    ) {
        my $r = run_cmd([ 'openssl', @$cmd ], timeout => 30);
        die "openssl @$cmd: $r->{err}" if $r->{status};
    }
}

sub control {
    my ($self, %req) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $self->{control_port},
                                  Proto => 'tcp', Timeout => 5) or die "fake irc control: $!\n";
    print {$s} $json->encode(\%req), "\n";
    local $SIG{ALRM} = sub { die "fake irc control: no answer\n" };
    my $prev = alarm 10;
    my $line = <$s>;
    alarm $prev;
    die "fake irc control: no answer\n" unless defined $line;
    my $r = $json->decode($line);
    die "fake irc control: $r->{error}\n" if $r->{error};
    return $r;
}

sub state { $_[0]->control(cmd => 'state') }

# Waits until $channel has been joined $n times in all (default 1).
sub wait_joined {
    my ($self, $channel, $n, $seconds) = @_;
    return StreamVault::Test::wait_for(sub { ($self->state->{joins}{lc $channel} // 0) >= ($n // 1) },
                                       $seconds // 10);
}

# Escapes an IRCv3 tag value.
sub tag_escape {
    my ($v) = @_;
    $v =~ s/\\/\\\\/g;
    $v =~ s/;/\\:/g;
    $v =~ s/ /\\s/g;
    $v =~ s/\r/\\r/g;
    $v =~ s/\n/\\n/g;
    return $v;
}

# The fixture's PRIVMSG: its tags in order and the rest.
sub fixture_privmsg {
    my $text = slurp(top_dir() . '/t/fixtures/twitch/irc-privmsg.txt') // die "no IRC fixture\n";
    my ($line) = grep { / PRIVMSG / } split /\r?\n/, $text;
    my ($tags) = $line =~ /^@(\S+)/;
    return map { [ split /=/, $_, 2 ] } split /;/, $tags;
}

# A chat message as Twitch sends it to everyone in $channel: the fixture's
# tags with these values (tags => { key => value or undef to drop }; the
# tmi-sent-ts is the server's clock unless given), text and user as given
# (text as Perl characters, sent as UTF-8). Returns { sent_ms } (the
# server's clock when it sent it) and { clients } (how many got it).
sub privmsg {
    my ($self, $channel, %o) = @_;
    my $user = $o{user} // 'somename';
    my %set = ('tmi-sent-ts' => 'now', %{ $o{tags} // {} });
    my @tags = map { [ $_->[0], exists $set{ $_->[0] } ? delete $set{ $_->[0] } : $_->[1] ] }
               fixture_privmsg();
    push @tags, map { [ $_, $set{$_} ] } sort keys %set;
    return $self->control(cmd => 'privmsg', channel => lc $channel, user => $user,
                          text => $o{text} // 'hello', tags => \@tags,
                          display_name => $o{display_name} // ucfirst $user);
}

# Bytes sent as they are to everyone in $channel (undef: to every client).
sub raw {
    my ($self, $channel, $bytes) = @_;
    return $self->control(cmd => 'raw', channel => $channel, hex => unpack('H*', $bytes));
}

# PING :tmi.twitch.tv to every client.
sub ping { $_[0]->control(cmd => 'ping') }

# RECONNECT to the clients in $channel (undef: all), closed right after.
sub reconnect { my ($self, $channel) = @_; $self->control(cmd => 'reconnect', channel => $channel) }

# Whether the server answers the clients' PINGs (default 1).
sub answer_pings { my ($self, $on) = @_; $self->control(cmd => 'answer_pings', on => $on ? 1 : 0) }

sub stop {
    my ($self) = @_;
    return unless $self->{pid} && $$ == $self->{parent};
    StreamVault::Test::stop_server(delete $self->{pid});
}

sub DESTROY { my ($self) = @_; local ($?, $@); $self->stop if $self->{pid} }

# --- the server -------------------------------------------------------------------

package StreamVault::FakeTwitchIRC::Server;

use strict;
use warnings;

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use IO::Select;
use IO::Socket::SSL;
use JSON::PP ();
use Time::HiRes qw(time);

my $J = JSON::PP->new->utf8->canonical;

sub run {
    my ($class, $cfg, $tls, $control) = @_;
    my $stop = StreamVault::Test::server_child("$cfg->{dir}/fake-twitch-irc.log");
    my $self = bless { dir => $cfg->{dir}, clients => {}, joins => {}, connections => 0,
                       handshake_failures => 0, pongs => 0, client_pings => 0,
                       answer_pings => 1 }, $class;
    $self->{sel} = IO::Select->new($tls, $control);
    my $parent = getppid;
    while (!$$stop && getppid == $parent) {
        my @ready = $self->{sel}->can_read(0.2);
        # TLS may hold bytes already read from the socket.
        push @ready, grep { $_->pending } map { $_->{fh} } values %{ $self->{clients} };
        my %seen;
        for my $fh (grep { !$seen{ fileno($_) // -1 }++ } @ready) {
            if ($fh == $tls) {
                $self->accept_client($tls);
            } elsif ($fh == $control) {
                $self->control($control);
            } elsif (my $c = $self->{clients}{ fileno $fh }) {
                $self->read_client($c);
            }
        }
    }
}

sub log_line { my ($self, @what) = @_; printf "%.3f %s\n", time, join(' ', @what) }

# The handshake blocks, bounded: the clients are the tests' own.
sub accept_client {
    my ($self, $tls) = @_;
    my $sock = $tls->accept or return;
    my $ssl = IO::Socket::SSL->start_SSL($sock, SSL_server => 1, Timeout => 5,
                                         SSL_cert_file => "$self->{dir}/server.pem",
                                         SSL_key_file => "$self->{dir}/server.key");
    if (!$ssl) {
        $self->{handshake_failures}++;
        $self->log_line('handshake failed:', $IO::Socket::SSL::SSL_ERROR);
        close $sock;
        return;
    }
    $ssl->blocking(0);
    $self->{connections}++;
    $self->{clients}{ fileno $ssl } = { fh => $ssl, in => '', nick => undef, channels => {} };
    $self->{sel}->add($ssl);
}

sub drop {
    my ($self, $c) = @_;
    $self->{sel}->remove($c->{fh});
    delete $self->{clients}{ fileno $c->{fh} };
    $c->{fh}->close(SSL_no_shutdown => 1);
}

sub send_to {
    my ($self, $c, $bytes) = @_;
    my $fh = $c->{fh};
    $fh->blocking(1);
    my $ok = print {$fh} $bytes;
    $fh->blocking(0);
    $self->drop($c) unless $ok;
}

sub read_client {
    my ($self, $c) = @_;
    my $got = sysread($c->{fh}, my $buf, 65536);
    if (!defined $got) {
        return if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR
                  || $SSL_ERROR == SSL_WANT_READ || $SSL_ERROR == SSL_WANT_WRITE;
        return $self->drop($c);
    }
    return $self->drop($c) if $got == 0;
    $c->{in} .= $buf;
    while ($c->{in} =~ s/^([^\n]*)\n//) {
        my $line = $1 =~ s/\r$//r;
        $self->log_line('<', $line);
        $self->command($c, $line);
        return unless $self->{clients}{ fileno($c->{fh}) // -1 };
    }
}

sub command {
    my ($self, $c, $line) = @_;
    my $nick = $c->{nick} // '*';
    if ($line =~ /^CAP REQ :(.*)$/) {
        $self->send_to($c, ":tmi.twitch.tv CAP * ACK :$1\r\n");
    } elsif ($line =~ /^NICK (justinfan\d+)$/) {
        $nick = $c->{nick} = $1;
        $self->send_to($c, join '', map { ":tmi.twitch.tv $_\r\n" }
            "001 $nick :Welcome, GLHF!", "002 $nick :Your host is tmi.twitch.tv",
            "003 $nick :This server is rather new", "004 $nick :-", "375 $nick :-",
            "372 $nick :You are in a maze of twisty passages, all alike.", "376 $nick :>");
    } elsif ($line =~ /^JOIN #(\w+)$/ && $c->{nick}) {
        my $ch = lc $1;
        $c->{channels}{$ch} = 1;
        $self->{joins}{$ch}++;
        $self->send_to($c, ":$nick!$nick\@$nick.tmi.twitch.tv JOIN #$ch\r\n"
            . ":$nick.tmi.twitch.tv 353 $nick = #$ch :$nick\r\n"
            . ":$nick.tmi.twitch.tv 366 $nick #$ch :End of /NAMES list\r\n"
            . "\@emote-only=0;followers-only=-1;r9k=0;room-id=1337;slow=0;subs-only=0"
            . " :tmi.twitch.tv ROOMSTATE #$ch\r\n");
    } elsif ($line =~ /^PING(?: :?(.*))?$/) {
        $self->{client_pings}++;
        $self->send_to($c, ":tmi.twitch.tv PONG tmi.twitch.tv :" . ($1 // '') . "\r\n")
            if $self->{answer_pings};
    } elsif ($line =~ /^PONG /) {
        $self->{pongs}++;
    }
}

# The clients in $channel (undef: all).
sub clients_in {
    my ($self, $channel) = @_;
    return grep { !defined $channel || $_->{channels}{ lc $channel } } values %{ $self->{clients} };
}

sub broadcast {
    my ($self, $channel, $bytes) = @_;
    my @to = $self->clients_in($channel);
    $self->send_to($_, $bytes) for @to;
    return scalar @to;
}

sub control {
    my ($self, $listen) = @_;
    my $s = $listen->accept or return;
    $s->blocking(1);
    my $line = <$s>;
    my $r = eval { $self->handle($J->decode($line // '{}')) } // { error => "$@" || 'failed' };
    print {$s} $J->encode($r), "\n";
    close $s;
}

sub handle {
    my ($self, $req) = @_;
    my $cmd = $req->{cmd} // '';
    if ($cmd eq 'state') {
        return { connections => $self->{connections}, handshake_failures => $self->{handshake_failures},
                 joins => $self->{joins}, pongs => $self->{pongs}, client_pings => $self->{client_pings},
                 clients => [ map { { nick => $_->{nick}, channels => [ sort keys %{ $_->{channels} } ] } }
                              values %{ $self->{clients} } ] };
    }
    if ($cmd eq 'privmsg') {
        my $ms = int(time * 1000);
        my @tags = map { [ $_->[0], $_->[0] eq 'tmi-sent-ts' && $_->[1] eq 'now' ? $ms : $_->[1] ] }
                   grep { defined $_->[1] } @{ $req->{tags} };
        $_->[1] = $req->{display_name} for grep { $_->[0] eq 'display-name' } @tags;
        my $tags = join ';', map { "$_->[0]=" . StreamVault::FakeTwitchIRC::tag_escape($_->[1]) } @tags;
        my $u = $req->{user};
        my $text = $req->{text};
        utf8::encode($tags);
        utf8::encode($text);
        my $n = $self->broadcast($req->{channel},
                                 "\@$tags :$u!$u\@$u.tmi.twitch.tv PRIVMSG #$req->{channel} :$text\r\n");
        return { sent_ms => $ms, clients => $n };
    }
    if ($cmd eq 'raw') {
        return { sent_ms => int(time * 1000), clients => $self->broadcast($req->{channel}, pack('H*', $req->{hex})) };
    }
    if ($cmd eq 'ping') {
        return { clients => $self->broadcast(undef, "PING :tmi.twitch.tv\r\n") };
    }
    if ($cmd eq 'reconnect') {
        my @to = $self->clients_in($req->{channel});
        for my $c (@to) {
            $self->send_to($c, ":tmi.twitch.tv RECONNECT\r\n");
            $self->drop($c) if $self->{clients}{ fileno($c->{fh}) // -1 };
        }
        return { clients => scalar @to };
    }
    if ($cmd eq 'answer_pings') {
        $self->{answer_pings} = $req->{on};
        return { ok => JSON::PP::true };
    }
    die "unknown command '$cmd'\n";
}

1;
