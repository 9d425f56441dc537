namespace LiveAnalytics.Sites;

public sealed record Site(long Id, string Domain, string Name, string Timezone);
