# A Server-Sent Events client for the tests: GET /api/events over a raw
# socket, the chunked body decoded as it arrives, frame by frame, so a test
# sees exactly what a browser's EventSource would parse (and how the stream
# ends: with the last chunk, or cut).
#
#   my $e = StreamVault::SSE->open($stack, as => $session, last_id => 12,
#                                  rcvbuf => 4096);
#   $e->{status}, $e->{headers}{'content-type'}
#   my $f = $e->next_frame(5);   # { id, data, json, comments => [...], retry }
#   $e->ended   # the last chunk came;  $e->closed  # the connection ended
package StreamVault::SSE;

use strict;
use warnings;

use IO::Select;
use IO::Socket::INET;
use JSON::PP ();
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(time);

sub open {
    my ($class, $stack, %o) = @_;
    my $sock = IO::Socket::INET->new(Proto => 'tcp') // die "socket: $!";
    # before connect(), so the window is small from the start
    setsockopt($sock, SOL_SOCKET, SO_RCVBUF, $o{rcvbuf}) if $o{rcvbuf};
    my $addr = Socket::pack_sockaddr_in($stack->port, Socket::inet_aton('127.0.0.1'));
    connect($sock, $addr) // die "connect: $!";
    $sock->blocking(0);
    my $req = "GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    $req .= "Cookie: sv_session=$o{as}{session}\r\n" if $o{as};
    $req .= "Authorization: Bearer $o{token}\r\n" if $o{token};
    $req .= "Last-Event-ID: $o{last_id}\r\n" if defined $o{last_id};
    $req .= "\r\n";
    my $self = bless { sock => $sock, raw => '', body => '', chunked => 0 }, $class;
    $self->_write($req);
    $self->_head($o{timeout} // 10) or die "no answer from /api/events";
    return $self;
}

sub _write {
    my ($self, $data) = @_;
    my $sel = IO::Select->new($self->{sock});
    while (length $data) {
        $sel->can_write(5) or die 'cannot write the request';
        my $n = syswrite($self->{sock}, $data) // next;
        substr($data, 0, $n, '');
    }
}

# Reads what has arrived, waiting up to $timeout for something; false once
# the connection is over.
sub _read {
    my ($self, $timeout) = @_;
    return 0 if $self->{closed};
    return 1 unless IO::Select->new($self->{sock})->can_read($timeout);
    my $n = sysread($self->{sock}, my $buf, 65536);
    if (!defined $n) {
        return 1 if $!{EAGAIN} || $!{EINTR};
        $self->{closed} = 1;
        $self->{error} = "$!";
        return 0;
    }
    if ($n == 0) {
        $self->{closed} = 1;
        return 0;
    }
    $self->{raw} .= $buf;
    $self->_dechunk;
    return 1;
}

sub _head {
    my ($self, $timeout) = @_;
    my $deadline = time + $timeout;
    while ($self->{raw} !~ /\r\n\r\n/) {
        return 0 if time > $deadline || !$self->_read($deadline - time);
    }
    $self->{raw} =~ s/\A(.*?)\r\n\r\n//s;
    my ($status, @lines) = split /\r\n/, $1;
    ($self->{status}) = $status =~ m{^HTTP/1\.\d (\d{3})};
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $self->{headers}{lc $k} = $v;
    }
    $self->{chunked} = ($self->{headers}{'transfer-encoding'} // '') =~ /chunked/i;
    if (!$self->{chunked} && defined(my $len = $self->{headers}{'content-length'})) {
        # an error answer: read it whole
        $self->_read($deadline - time) while length($self->{raw}) < $len && !$self->{closed}
                                             && time < $deadline;
        $self->{content} = substr($self->{raw}, 0, $len);
        $self->{json} = eval { JSON::PP::decode_json($self->{content}) };
    }
    $self->_dechunk;
    return 1;
}

sub _dechunk {
    my ($self) = @_;
    return unless $self->{chunked} && !$self->{ended};
    while ($self->{raw} =~ /\A([0-9a-fA-F]+)\r\n/) {
        my ($hex, $size) = ($1, hex $1);
        if ($size == 0) {
            next unless $self->{raw} =~ s/\A0\r\n\r\n//;
            $self->{ended} = 1;
            return;
        }
        my $need = length($hex) + 2 + $size + 2;
        return if length($self->{raw}) < $need;
        $self->{body} .= substr($self->{raw}, length($hex) + 2, $size);
        substr($self->{raw}, 0, $need, '');
    }
}

# The next frame (a block ended by a blank line), or undef after $timeout
# seconds or when the stream is over.
sub next_frame {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // 5);
    while ($self->{body} !~ /\n\n/) {
        return undef if $self->{ended} || time > $deadline;
        return undef unless $self->_read($deadline - time);
    }
    $self->{body} =~ s/\A(.*?)\n\n//s;
    my %f = (comments => [], raw => $1);
    for my $line (split /\n/, $1) {
        if ($line =~ /^:\s?(.*)$/) { push @{ $f{comments} }, $1 }
        elsif ($line =~ /^id(?::\s?(.*))?$/) { $f{id} = $1 // '' }
        elsif ($line =~ /^data: (.*)$/) { $f{data} = $1 }
        elsif ($line =~ /^retry: (\d+)$/) { $f{retry} = $1 }
        else { $f{unknown} = $line }
    }
    $f{json} = eval { JSON::PP::decode_json($f{data}) } if defined $f{data};
    return \%f;
}

# The next frame that carries data (comments skipped).
sub next_event {
    my ($self, $timeout) = @_;
    my $deadline = time + ($timeout // 5);
    while (time < $deadline) {
        my $f = $self->next_frame($deadline - time) // return undef;
        return $f if defined $f->{data};
    }
    return undef;
}

# Reads until the stream is over (its last chunk, or the connection's end)
# or $timeout passes; true if it is over.
sub drain {
    my ($self, $timeout) = @_;
    my $deadline = time + $timeout;
    while (time < $deadline && !$self->{ended}) {
        return 1 unless $self->_read($deadline - time);
    }
    return $self->{ended} || $self->{closed};
}

sub ended  { $_[0]{ended} }
sub closed { $_[0]{closed} }
sub close  { close $_[0]{sock}; $_[0]{closed} = 1 }

1;
