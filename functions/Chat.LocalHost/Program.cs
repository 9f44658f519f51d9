using Chat.LocalHost;

await LocalHostApp.Build(args).RunAsync();
