using Chat.LocalHost;

WebApplication app;
try
{
    app = LocalHostApp.Build(args);
}
catch (StartRefusedException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

await app.RunAsync();
return 0;
