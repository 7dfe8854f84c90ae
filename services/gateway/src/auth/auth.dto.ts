import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { LOCALES, ROLES, type Locale, type Role } from '@kanta/contracts';

export class LoginDto {
  @ApiProperty({ example: 'admin@demo.test' })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @IsEmail({}, { message: 'email must be a valid e-mail address' })
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'demo-password' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The station the user works at now' })
  @IsOptional()
  @IsUUID('all', { message: 'stationId must be a station id (UUID)' })
  stationId?: string;
}

export class ChangePasswordDto {
  @ApiProperty({ description: 'The password you sign in with now' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  currentPassword: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  newPassword: string;
}

export class AccessTokenView {
  @ApiProperty() accessToken: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires' }) expiresIn: number;
}

class MeUserView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: ROLES }) role: Role;
}

class MeTenantView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() slug: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: LOCALES }) locale: Locale;
  @ApiProperty({ description: 'Default phone country' }) country: string;
  @ApiProperty({ description: 'IANA time zone dates are shown in', example: 'Europe/Helsinki' })
  timeZone: string;
  @ApiProperty({ description: "Days between a customer's deletion request and its erasure" })
  deletionGraceDays: number;
}

export class MeStationView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
}

export class MeView {
  @ApiProperty({ type: MeUserView }) user: MeUserView;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: MeTenantView, nullable: true }) tenant: MeTenantView | null;
  @ApiProperty({ type: [MeStationView] }) stations: MeStationView[];
  @ApiProperty({ type: MeStationView, nullable: true }) currentStation: MeStationView | null;
}
