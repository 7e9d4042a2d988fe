# Every route of the table is in the OpenAPI document; every route that
# needs a user answers 401 without credentials (cookie or bearer, valid or
# not), and every admin route answers 403 to a viewer.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(start_stack slurp top_dir);

my $stack = start_stack();

# The route table, read from its source.
my $source = slurp(top_dir() . '/lib/sv_routes.c');
my @routes;
while ($source =~ /\{\s*SV_(GET|POST|PUT|PATCH|DELETE),\s*"([^"]+)",\s*SV_ROUTE_(\w+),\s*(?:"\w+"|NULL),\s*SV_ROLE_(\w+)/g) {
    push @routes, { method => $1, pattern => $2, kind => $3, role => lc $4 };
}
ok(@routes >= 25, scalar(@routes) . ' routes in lib/sv_routes.c');

my $doc = $stack->api('GET', '/api/openapi.json');
is($doc->{status}, 200, 'GET /api/openapi.json');
my $paths = $doc->{json}{paths} || {};
my $operations = 0;
$operations += keys %{ $paths->{$_} } for keys %$paths;
is($operations, scalar @routes, 'the document has exactly the routes of the table');
for my $r (@routes) {
    (my $template = $r->{pattern}) =~ s/\{(\w+):\w+\}/{$1}/g;
    my $op = $paths->{$template}{lc $r->{method}};
    ok($op, "$r->{method} $template is documented");
    is($op && $op->{'x-role'}, $r->{role}, "$r->{method} $template: role $r->{role}");
}

# A concrete path and a plausible body for each route.
sub concrete {
    my ($pattern) = @_;
    $pattern =~ s/\{\w+:int\}/1/g;
    $pattern =~ s/\{\w+:uuid\}/0f8fad5b-d9cb-469f-a165-70867728950e/g;
    return $pattern;
}
sub call {
    my ($r, %o) = @_;
    my $writes = $r->{method} =~ /^(POST|PUT|PATCH)$/;
    return $stack->api($r->{method}, concrete($r->{pattern}), ($writes ? (json => {}) : ()), %o);
}

my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'the admin logs in') or diag(explain($admin->{json}));
my $made = $stack->api('POST', '/api/users', as => $admin,
                       json => { username => 'viewer1', password => 'viewer-password', role => 'viewer' });
is($made->{status}, 201, 'the admin creates a viewer') or diag(explain($made->{json}));
my $viewer = $stack->login('viewer1', 'viewer-password');
is($viewer->{status}, 200, 'the viewer logs in');

my $bogus_session = { session => 'A' x 43, csrf => 'B' x 32 };
for my $r (grep { $_->{role} ne 'public' } @routes) {
    my $name = "$r->{method} $r->{pattern}";
    for my $case ([ 'no credentials', () ],
                  [ 'an unknown session', as => $bogus_session ],
                  [ 'an unknown token', token => 'sv_abcdefghij_' . ('x' x 43) ],
                  [ 'a malformed token', token => 'not a token' ]) {
        my ($what, %o) = @$case;
        my $res = call($r, %o);
        is($res->{status}, 401, "$name with $what: 401");
        is($res->{json} && $res->{json}{error}{code}, 'unauthorized', "$name with $what: JSON error");
    }

    next if $r->{pattern} eq '/api/auth/logout';    # below, last
    my $res = call($r, as => $viewer);
    if ($r->{role} eq 'admin') {
        is($res->{status}, 403, "$name as a viewer: 403");
        is($res->{json} && $res->{json}{error}{code}, 'forbidden', "$name as a viewer: forbidden");
    } else {
        ok($res->{status} != 401 && $res->{status} != 403, "$name as a viewer: allowed ($res->{status})");
    }
}

my $out = $stack->api('POST', '/api/auth/logout', as => $viewer);
is($out->{status}, 200, 'the viewer logs out');
is($stack->api('GET', '/api/auth/me', as => $viewer)->{status}, 401, 'and the session is gone');

done_testing;
