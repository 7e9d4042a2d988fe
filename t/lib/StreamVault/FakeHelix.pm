package StreamVault::FakeHelix;

# A fake of Twitch's id server and Helix on loopback for the worker's Twitch
# service, in the real wire formats: /oauth2/token (client credentials),
# /oauth2/validate, and under /helix: users, streams, channels and
# eventsub/subscriptions (GET, POST, DELETE), with Ratelimit-* headers on
# every Helix answer and Twitch's 401/429 bodies. Client-Id and the Bearer
# token are checked on every Helix call.
#
# One forked process (StreamVault::Test::server_child), a select loop,
# keep-alive. The test drives it through /_control/ (JSON), wrapped below:
#
#   my $h = StreamVault::FakeHelix->new(client_id => 'cid', client_secret => 's3cret',
#                                       callback_base => $stack->url);
#   $h->set(users => { login => {...} }, live => { user_id => {...} }, channels => {...});
#   $h->fail(count => 5, status => 500);     # the next 5 Helix answers
#   $h->rate_limit(reset_in => 3);           # the next Helix answer: 429
#   $h->invalidate_tokens;                   # every token now gets 401
#   $h->add_sub(type => ..., status => ...); # a subscription made elsewhere
#   $h->subs; $h->requests(path => qr{...}); $h->secret_of($sub_id)
#
# A created subscription is verified like Twitch does, after the answer: a
# signed webhook_callback_verification is POSTed to its callback with the
# scheme, host and port replaced by callback_base; "enabled" when the answer
# is 200 with exactly the challenge, else webhook_callback_verification_failed.

use strict;
use warnings;

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time);
use StreamVault::EventSub qw(signed_headers rfc3339);
use StreamVault::Test qw(test_dir);

my $json = JSON::PP->new->utf8->canonical;

# --- the test's side -------------------------------------------------------------

sub new {
    my ($class, %o) = @_;
    my $self = bless {
        client_id     => $o{client_id} // 'fakeclientid',
        client_secret => $o{client_secret} // 'fakeclientsecret',
        token_ttl     => $o{token_ttl} // 5000000,
        page_size     => $o{page_size} // 100,
        callback_base => $o{callback_base},
        dir           => $o{dir} // test_dir('fake-helix'),
    }, $class;
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
                                       Listen => 64, ReuseAddr => 1)
        or die "fake helix: cannot listen: $!";
    $self->{port} = $listen->sockport;
    $self->{url} = "http://127.0.0.1:$self->{port}";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $stop = StreamVault::Test::server_child("$self->{dir}/fake-helix.log");
        my $ok = eval { StreamVault::FakeHelix::Server->new($self)->run($listen, $stop); 1 };
        print STDERR "fake helix: $@" unless $ok;
        POSIX::_exit($ok ? 0 : 1);
    }
    close $listen;
    $self->{pid} = $pid;
    StreamVault::Test::track_child($pid);
    StreamVault::Test::wait_for(sub { eval { $self->control('GET', 'state') } }, 10)
        or die "fake helix did not start";
    return $self;
}

sub url       { $_[0]{url} }
sub helix_url { "$_[0]{url}/helix" }
sub id_url    { $_[0]{url} }

sub control {
    my ($self, $method, $what, $body) = @_;
    my $r = HTTP::Tiny->new(timeout => 10)->request($method, "$self->{url}/_control/$what",
        { headers => { 'Content-Type' => 'application/json' },
          content => $json->encode($body // {}) });
    die "fake helix control $what: $r->{status} $r->{content}\n" unless $r->{success};
    return $json->decode($r->{content});
}

sub state            { $_[0]->control('GET', 'state') }
sub set              { my ($self, %o) = @_; $self->control('POST', 'set', \%o) }
sub fail             { my ($self, %o) = @_; $self->control('POST', 'fail', \%o) }
sub rate_limit       { my ($self, %o) = @_; $self->control('POST', 'rate_limit', \%o) }
sub invalidate_tokens { $_[0]->control('POST', 'invalidate', {}) }
sub add_sub          { my ($self, %o) = @_; $self->control('POST', 'add_sub', \%o)->{sub} }
sub clear_log        { $_[0]->control('POST', 'clear_log', {}) }
sub subs             { $_[0]->state->{subs} }
sub secret_of        { my ($self, $id) = @_; $self->state->{secrets}{$id} }

# The request log: [{ t, method, path, query, status, token }], filtered by
# field => value or qr//.
sub requests {
    my ($self, %f) = @_;
    my @r = @{ $self->state->{log} };
    for my $k (keys %f) {
        @r = grep { defined $_->{$k} && (ref $f{$k} ? $_->{$k} =~ $f{$k} : $_->{$k} eq $f{$k}) } @r;
    }
    return @r;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    StreamVault::Test::stop_server($self->{pid});
    delete $self->{pid};
}

sub DESTROY { my ($self) = @_; local ($?, $@); $self->stop if $self->{pid} }

# --- the server ------------------------------------------------------------------

package StreamVault::FakeHelix::Server;

use strict;
use warnings;

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use IO::Select;
use JSON::PP ();
use Time::HiRes qw(time);
use StreamVault::EventSub qw(signed_headers rfc3339);

my $J = JSON::PP->new->utf8->canonical;

sub new {
    my ($class, $cfg) = @_;
    return bless { cfg => $cfg, users => {}, live => {}, channels => {}, subs => {},
                   order => [], secrets => {}, tokens => {}, issued => 0, log => [],
                   fail => [], verify => [], next_sub => 0 }, $class;
}

sub run {
    my ($self, $listen, $stop) = @_;
    $listen->blocking(0);
    my $sel = IO::Select->new($listen);
    my %conn;
    until ($$stop) {
        my @ready = $sel->can_read(0.2);
        for my $fh (@ready) {
            if ($fh == $listen) {
                while (my $c = $listen->accept) {
                    $c->blocking(0);
                    $sel->add($c);
                    $conn{fileno $c} = { fh => $c, in => '' };
                }
                next;
            }
            my $st = $conn{fileno $fh} or next;
            my $n = sysread($fh, my $buf, 65536);
            if (!defined $n && ($! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR)) { next }
            if (!$n) { $sel->remove($fh); delete $conn{fileno $fh}; close $fh; next }
            $st->{in} .= $buf;
            while (my $req = parse(\$st->{in})) {
                my ($status, $headers, $body) = $self->handle($req);
                my $out = "HTTP/1.1 $status X\r\nContent-Length: " . length($body) . "\r\n";
                $out .= "$_: $headers->{$_}\r\n" for sort keys %$headers;
                $fh->blocking(1);
                syswrite($fh, "$out\r\n$body");
                $fh->blocking(0);
            }
        }
        $self->verify_pending;
    }
}

# One request out of the buffer, or undef while it is incomplete.
sub parse {
    my ($in) = @_;
    my $end = index($$in, "\r\n\r\n");
    return undef if $end < 0;
    my ($line, @h) = split /\r\n/, substr($$in, 0, $end);
    my %h;
    for (@h) { my ($k, $v) = /^([^:]+):\s*(.*)$/ or next; $h{lc $k} = $v }
    my $len = $h{'content-length'} // 0;
    return undef if length($$in) < $end + 4 + $len;
    my $body = substr($$in, $end + 4, $len);
    substr($$in, 0, $end + 4 + $len) = '';
    my ($method, $target) = split / /, $line;
    my ($path, $query) = split /\?/, $target, 2;
    my %q;
    for (split /&/, $query // '') {
        my ($k, $v) = split /=/, $_, 2;
        $v = unescape($v // '');
        push @{ $q{$k} }, $v;
    }
    return { method => $method, path => $path, query => $query // '', q => \%q, h => \%h,
             body => $body };
}

sub unescape { my ($s) = @_; $s =~ tr/+/ /; $s =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge; $s }

sub answer {
    my ($self, $req, $status, $body, %h) = @_;
    push @{ $self->{log} }, { t => time, method => $req->{method}, path => $req->{path},
                              query => $req->{query}, status => $status,
                              token => ($req->{h}{authorization} // '') =~ /^(?:Bearer|OAuth) (\S+)/ ? $1 : undef };
    my $text = ref $body ? $J->encode($body) : $body // '';
    $h{'Content-Type'} //= 'application/json' if length $text;
    return ($status, \%h, $text);
}

sub handle {
    my ($self, $req) = @_;
    return $self->control($req) if $req->{path} =~ m{^/_control/};
    return $self->token($req) if $req->{path} eq '/oauth2/token' && $req->{method} eq 'POST';
    return $self->validate($req) if $req->{path} eq '/oauth2/validate';
    return $self->helix($req) if $req->{path} =~ m{^/helix/};
    return $self->answer($req, 404, { error => 'Not Found', status => 404, message => '' });
}

sub token {
    my ($self, $req) = @_;
    my %f = map { my ($k, $v) = split /=/, $_, 2; ($k => unescape($v // '')) } split /&/, $req->{body};
    if (($f{client_id} // '') ne $self->{cfg}{client_id}) {
        return $self->answer($req, 400, { status => 400, message => 'invalid client' });
    }
    if (($f{client_secret} // '') ne $self->{cfg}{client_secret}
        || ($f{grant_type} // '') ne 'client_credentials') {
        return $self->answer($req, 403, { status => 403, message => 'invalid client secret' });
    }
    my $t = sprintf('faketoken%021d', ++$self->{issued});
    $self->{tokens}{$t} = 1;
    return $self->answer($req, 200, { access_token => $t, expires_in => $self->{cfg}{token_ttl},
                                      token_type => 'bearer' });
}

sub validate {
    my ($self, $req) = @_;
    my ($t) = ($req->{h}{authorization} // '') =~ /^OAuth (\S+)$/;
    return $self->answer($req, 401, { status => 401, message => 'invalid access token' })
        unless defined $t && $self->{tokens}{$t};
    return $self->answer($req, 200, { client_id => $self->{cfg}{client_id}, scopes => [],
                                      expires_in => $self->{cfg}{token_ttl} });
}

sub ratelimit_headers {
    my ($self, $remaining, $reset) = @_;
    return ('Ratelimit-Limit' => 800, 'Ratelimit-Remaining' => $remaining // 799,
            'Ratelimit-Reset' => $reset // int(time) + 1);
}

sub helix {
    my ($self, $req) = @_;
    my ($t) = ($req->{h}{authorization} // '') =~ /^Bearer (\S+)$/;
    if (($req->{h}{'client-id'} // '') ne $self->{cfg}{client_id} || !defined $t
        || !$self->{tokens}{$t}) {
        return $self->answer($req, 401, { error => 'Unauthorized', status => 401,
                                          message => 'Invalid OAuth token' },
                             $self->ratelimit_headers);
    }
    if (my $f = shift @{ $self->{fail} }) {
        if ($f->{status} == 429) {
            my $reset = int(time) + $f->{reset_in};
            return $self->answer($req, 429, { error => 'Too Many Requests', status => 429,
                                              message => '' },
                                 $self->ratelimit_headers(0, $reset));
        }
        return $self->answer($req, $f->{status}, { error => 'Internal Server Error',
                                                   status => $f->{status}, message => '' },
                             $self->ratelimit_headers);
    }
    my ($status, $body) = $self->endpoint($req);
    return $self->answer($req, $status, $body, $self->ratelimit_headers);
}

sub page {
    my ($self, $req, @items) = @_;
    my $size = $self->{cfg}{page_size};
    my $first = $req->{q}{first} ? $req->{q}{first}[0] : 20;
    $size = $first if $first < $size;
    my $from = $req->{q}{after} ? $req->{q}{after}[0] =~ /^c(\d+)$/ && $1 : 0;
    my @page = grep { defined } @items[$from .. $from + $size - 1];
    my $more = $from + $size < @items;
    return { data => \@page, pagination => $more ? { cursor => 'c' . ($from + $size) } : {} };
}

sub endpoint {
    my ($self, $req) = @_;
    my ($m, $p, $q) = ($req->{method}, $req->{path}, $req->{q});
    if ($m eq 'GET' && $p eq '/helix/users') {
        my @logins = map { lc } @{ $q->{login} // [] };
        return (400, { error => 'Bad Request', status => 400, message => 'too many' }) if @logins > 100;
        return (200, { data => [ map { $self->{users}{$_} // () } @logins ] });
    }
    if ($m eq 'GET' && $p eq '/helix/streams') {
        my @ids = @{ $q->{user_id} // [] };
        return (400, { error => 'Bad Request', status => 400, message => 'too many' }) if @ids > 100;
        my @live = map { $self->stream_of($_) // () } @ids;
        return (200, $self->page($req, @live));
    }
    if ($m eq 'GET' && $p eq '/helix/channels') {
        my @ids = @{ $q->{broadcaster_id} // [] };
        return (200, { data => [ map { $self->channel_of($_) // () } @ids ] });
    }
    if ($p eq '/helix/eventsub/subscriptions') {
        return $self->list_subs($req) if $m eq 'GET';
        return $self->create_sub($req) if $m eq 'POST';
        if ($m eq 'DELETE') {
            my $id = $q->{id} ? $q->{id}[0] : '';
            return (404, { error => 'Not Found', status => 404, message => 'subscription not found' })
                unless delete $self->{subs}{$id};
            @{ $self->{order} } = grep { $_ ne $id } @{ $self->{order} };
            return (204, '');
        }
    }
    return (404, { error => 'Not Found', status => 404, message => '' });
}

sub user_by_id {
    my ($self, $id) = @_;
    my ($u) = grep { $_->{id} eq $id } values %{ $self->{users} };
    return $u;
}

sub stream_of {
    my ($self, $id) = @_;
    my $s = $self->{live}{$id} or return undef;
    my $u = $self->user_by_id($id) // { login => "user$id", display_name => "User$id" };
    my $c = $self->{channels}{$id} // {};
    return { id => $s->{id}, user_id => $id, user_login => $u->{login}, user_name => $u->{display_name},
             game_id => $s->{game_id} // $c->{game_id} // '', game_name => $s->{game_name} // $c->{game_name} // '',
             type => 'live', title => $s->{title} // $c->{title} // '', tags => [], viewer_count => 1,
             started_at => $s->{started_at} // '2026-01-01T00:00:00Z', language => 'en',
             thumbnail_url => "https://static-cdn.jtvnw.net/previews-ttv/live_user_$u->{login}-{width}x{height}.jpg",
             tag_ids => [], is_mature => JSON::PP::false };
}

sub channel_of {
    my ($self, $id) = @_;
    my $u = $self->user_by_id($id) or return undef;
    my $c = $self->{channels}{$id} // {};
    return { broadcaster_id => $id, broadcaster_login => $u->{login},
             broadcaster_name => $u->{display_name}, broadcaster_language => 'en',
             game_id => $c->{game_id} // '', game_name => $c->{game_name} // '',
             title => $c->{title} // '', delay => 0, tags => [],
             content_classification_labels => [], is_branded_content => JSON::PP::false };
}

sub public_sub {
    my ($s) = @_;
    return { map { $_ => $s->{$_} } qw(id status type version condition created_at transport cost) };
}

sub list_subs {
    my ($self, $req) = @_;
    my @all = map { public_sub($self->{subs}{$_}) } @{ $self->{order} };
    my $page = $self->page($req, @all);
    return (200, { total => scalar @all, %$page, total_cost => 0, max_total_cost => 10000 });
}

sub new_sub {
    my ($self, %o) = @_;
    my $id = sprintf('%08x-0000-4000-8000-%012x', $$, ++$self->{next_sub});
    my $s = { id => $id, status => $o{status} // 'webhook_callback_verification_pending',
              type => $o{type}, version => $o{version},
              condition => { broadcaster_user_id => $o{broadcaster_user_id} },
              created_at => rfc3339(), cost => 1,
              transport => { method => 'webhook', callback => $o{callback} } };
    $self->{subs}{$id} = $s;
    push @{ $self->{order} }, $id;
    $self->{secrets}{$id} = $o{secret} if defined $o{secret};
    return $s;
}

sub create_sub {
    my ($self, $req) = @_;
    my $b = eval { $J->decode($req->{body}) };
    my $bad = sub { (400, { error => 'Bad Request', status => 400, message => $_[0] }) };
    return $bad->('malformed body') unless ref $b eq 'HASH';
    return $bad->('unsupported type')
        unless ($b->{type} // '') =~ /^(stream\.online|stream\.offline|channel\.update)$/
               && ($b->{version} // '') =~ /^[12]$/;
    my $tr = $b->{transport} // {};
    return $bad->('transport') unless ($tr->{method} // '') eq 'webhook'
        && ($tr->{callback} // '') =~ m{^https://} && length($tr->{secret} // '') >= 10
        && length($tr->{secret}) <= 100;
    my $bid = ($b->{condition} // {})->{broadcaster_user_id} // '';
    return $bad->('condition') unless $bid =~ /^\d+$/;
    for my $s (values %{ $self->{subs} }) {
        return (409, { error => 'Conflict', status => 409, message => 'subscription already exists' })
            if $s->{type} eq $b->{type} && $s->{version} eq $b->{version}
               && $s->{condition}{broadcaster_user_id} eq $bid
               && $s->{transport}{callback} eq $tr->{callback}
               && $s->{status} =~ /^(enabled|webhook_callback_verification_pending)$/;
    }
    my $s = $self->new_sub(type => $b->{type}, version => $b->{version}, broadcaster_user_id => $bid,
                           callback => $tr->{callback}, secret => $tr->{secret});
    push @{ $self->{verify} }, $s->{id};
    return (202, { data => [ public_sub($s) ], total => scalar @{ $self->{order} }, total_cost => 0,
                   max_total_cost => 10000 });
}

# The callback checks Twitch makes after a create.
sub verify_pending {
    my ($self) = @_;
    while (my $id = shift @{ $self->{verify} }) {
        my $s = $self->{subs}{$id} or next;
        my $url = $s->{transport}{callback};
        $url =~ s{^https?://[^/]+}{$self->{cfg}{callback_base} // ''}e;
        my $challenge = "challenge-$id";
        my ($h, $raw) = signed_headers($self->{secrets}{$id}, {
            challenge => $challenge, subscription => public_sub($s) },
            type => 'webhook_callback_verification');
        my $r = HTTP::Tiny->new(timeout => 5)->request('POST', $url, { headers => $h, content => $raw });
        $s->{status} = $r->{status} == 200 && $r->{content} eq $challenge
            ? 'enabled' : 'webhook_callback_verification_failed';
        push @{ $self->{log} }, { t => time, method => 'VERIFY', path => $url, status => $r->{status} };
    }
}

sub control {
    my ($self, $req) = @_;
    my ($what) = $req->{path} =~ m{^/_control/(\w+)$};
    my $b = length $req->{body} ? eval { $J->decode($req->{body}) } // {} : {};
    my $ok = sub { (200, { 'Content-Type' => 'application/json' }, $J->encode({ ok => JSON::PP::true, @_ })) };
    if ($what eq 'state') {
        return $ok->(subs => [ map { public_sub($self->{subs}{$_}) } @{ $self->{order} } ],
                     secrets => $self->{secrets}, log => $self->{log}, issued => $self->{issued},
                     tokens => [ sort keys %{ $self->{tokens} } ]);
    }
    if ($what eq 'set') {
        for my $k (qw(users live channels)) {
            next unless $b->{$k};
            for my $key (keys %{ $b->{$k} }) {
                my $v = $b->{$k}{$key};
                if (defined $v) { $self->{$k}{ $k eq 'users' ? lc $key : $key } = $v }
                else { delete $self->{$k}{ $k eq 'users' ? lc $key : $key } }
            }
        }
        return $ok->();
    }
    if ($what eq 'fail') {
        push @{ $self->{fail} }, ({ status => $b->{status} // 500 }) x ($b->{count} // 1);
        return $ok->();
    }
    if ($what eq 'rate_limit') {
        push @{ $self->{fail} }, { status => 429, reset_in => $b->{reset_in} // 2 };
        return $ok->();
    }
    if ($what eq 'invalidate') { $self->{tokens} = {}; return $ok->() }
    if ($what eq 'clear_log') { $self->{log} = []; return $ok->() }
    if ($what eq 'add_sub') { return $ok->(sub => public_sub($self->new_sub(%$b))) }
    return (404, {}, '{}');
}

1;
